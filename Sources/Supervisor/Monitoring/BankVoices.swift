import Basics
import Foundation
import Spool
import Synchronization

/// The spool's saved voices, engine by engine, for supervisor.json's
/// `voices` (and so `GET /v1/audio/voices`). An engine reports the bank's
/// voices once, in `initialize`; a voice added or removed while it runs is
/// corrected here, so the list follows the bank without a restart. A
/// folder is listed again only when its modification time changes (adding
/// or removing a voice renames in it): a publish costs one `lstat` per
/// engine.
final class BankVoices: Sendable {
    private struct Listing {
        var modified: Date?
        var names: [String]
    }

    private struct State {
        var listings: [String: Listing] = [:]
        /// Every name seen in an engine's bank: a reported voice of that
        /// name is the bank's, and shown only while the bank has it.
        var seen: [String: Set<String>] = [:]
    }

    private let bank: VoiceBank
    private let state = Mutex(State())

    init(bank: VoiceBank) {
        self.bank = bank
    }

    /// `reported` (the running instance's voices, nil without one) with its
    /// bank voices as the bank holds them now; nil when there are none.
    func voices(of engine: String, reported: [String]?) -> [String]? {
        let modified = FileSystem.info(bank.folder(engine: engine))?.modified
        let (names, seen) = state.withLock { state in
            if state.listings[engine].map({ $0.modified != modified }) ?? true {
                state.listings[engine] = Listing(modified: modified, names: modified == nil ? [] : bank.names(engine: engine))
            }
            let names = state.listings[engine]!.names
            state.seen[engine, default: []].formUnion(names)
            return (names, state.seen[engine]!)
        }
        let merged = (reported ?? []).filter { !seen.contains($0) } + names
        return merged.isEmpty ? reported : merged
    }
}
