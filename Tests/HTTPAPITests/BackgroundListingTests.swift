import Foundation
import Glibc
import Synchronization
import Testing

@testable import HTTPAPI

/// The queue index's safety-net listing runs on a thread of its own at
/// nice 10 (a listing of 350,000 entries takes a core for a few hundred
/// milliseconds), and leaves the process's other threads as they were.
struct BackgroundListingTests {
    @Test func theWorkRunsAtNiceTenOnAThreadOfItsOwn() async throws {
        let seen = Mutex<(nice: Int32, thread: pthread_t)?>(nil)
        await QueueIndex.inBackground {
            errno = 0
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            seen.withLock { $0 = (nice, pthread_self()) }
        }
        let (nice, thread) = try #require(seen.withLock { $0 })
        #expect(nice == 10)
        #expect(pthread_equal(thread, pthread_self()) == 0)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == 0, "the caller's thread keeps its priority")
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid())) == 0, "so does the main thread")
    }
}
