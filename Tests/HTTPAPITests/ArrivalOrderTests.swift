import Foundation
import Testing

@testable import HTTPAPI

/// The claim order `queue_position` counts in, against a sorted list.
struct ArrivalOrderTests {
    typealias Key = QueueIndex.ArrivalOrder.Key

    @Test func ranksMatchASortedListThroughInsertsAndRemovals() {
        var order = QueueIndex.ArrivalOrder()
        var model: [Key] = []
        var generator = SystemRandomNumberGenerator()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for step in 0..<5_000 {
            let roll = Int.random(in: 0..<10, using: &generator)
            if roll < 5 || model.isEmpty {
                // Mostly at the back, as jobs arrive; now and then earlier (a listing, another host's clock).
                let offset = roll == 0 ? Double.random(in: 0..<Double(step + 1)) : Double(step)
                let key = Key(arrived: start + offset, id: "job-\(step)")
                order.insert(key)
                model.append(key)
                model.sort()
            } else {
                // Mostly the oldest, as supervisors claim; sometimes any (a cancel).
                let index = roll < 8 ? 0 : Int.random(in: 0..<model.count, using: &generator)
                order.remove(model.remove(at: index))
            }
            #expect(order.count == model.count)
            #expect(order.first == model.first)
            if let probe = model.randomElement() { #expect(order.rank(of: probe) == model.firstIndex(of: probe)) }
        }
        // A key not there changes nothing.
        let before = order.count
        order.remove(Key(arrived: start, id: "never-added"))
        #expect(order.count == before)
    }

    @Test func equalTimesAreOrderedByID() {
        var order = QueueIndex.ArrivalOrder()
        let now = Date()
        for id in ["c", "a", "b"] { order.insert(Key(arrived: now, id: id)) }
        #expect(order.rank(of: Key(arrived: now, id: "a")) == 0)
        #expect(order.rank(of: Key(arrived: now, id: "c")) == 2)
        order.remove(Key(arrived: now, id: "a"))
        #expect(order.rank(of: Key(arrived: now, id: "b")) == 0)
    }
}
