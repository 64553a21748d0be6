import Foundation

/// The engines one supervisor takes jobs for (`audiospool run --engines-only
/// piper,espeak`, or `AUDIOSPOOL_ENGINES_ONLY`): it leaves every other job in
/// `new/` for a supervisor that runs that engine. Per supervisor, not in
/// config.json, because hosts sharing a spool share its config.json.
public struct EngineFilter: Sendable, Equatable, CustomStringConvertible {
    public let names: Set<String>

    public static let environmentVariable = "AUDIOSPOOL_ENGINES_ONLY"

    public init(_ names: some Sequence<String>) {
        self.names = Set(names)
    }

    /// Parses `piper,espeak` (spaces around names allowed). Fails with the
    /// reason for an empty list or a name no engine folder could have.
    public static func parse(_ list: String) -> Result<EngineFilter, ParseError> {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.contains(where: { !$0.isEmpty }) else {
            return .failure(ParseError("expected engine names separated by commas, such as piper,espeak; found \"\(list)\""))
        }
        for name in names {
            if name.isEmpty {
                return .failure(ParseError("expected engine names separated by commas; found an empty name in \"\(list)\""))
            }
            if name.hasPrefix(".") || name.contains("/") || name.contains(where: { $0.isWhitespace || $0.isNewline }) {
                return .failure(ParseError("\"\(name)\" cannot name an engine (an engine is named after its folder)"))
            }
        }
        return .success(EngineFilter(names))
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether a job for `engine` is this supervisor's to claim. A job whose
    /// engine cannot be read before the claim (a broken job.json, a rejected
    /// entry) is anyone's: it fails as `bad_input` whoever claims it, and a
    /// spool whose supervisors are all filtered must still fail it.
    public func accepts(_ engine: String?) -> Bool {
        guard let engine else { return true }
        return names.contains(engine)
    }

    /// The names in order, for logs and supervisor.json.
    public var sorted: [String] { names.sorted() }

    public var description: String { sorted.joined(separator: ",") }
}
