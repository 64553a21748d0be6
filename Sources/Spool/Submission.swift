import Basics
import Foundation
/// What a name dropped into `new/` is, decided from its name and type alone
/// (nothing is opened: a FIFO or device must never block the supervisor).
public struct Submission: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `NAME.json`: a job file.
        case jobFile
        /// `NAME/`: a folder with `job.json` and its inputs.
        case jobDirectory
        /// `NAME.txt`: text for the default TTS engine.
        case text
        /// `NAME.wav|flac|mp3|ogg`: audio for the default separation engine.
        case audio
        /// Anything else: claimed only to be failed with `reason`.
        case rejected
    }

    /// The name in `new/`, as found.
    public var entryName: String
    /// The job id it asks for: the name without extension and info suffix.
    public var stem: String
    public var kind: Kind
    /// The name it gets inside `cur/<id>/` (a folder replaces the job folder itself).
    public var claimedName: String
    /// Why a `.rejected` entry cannot run.
    public var reason: String?

    public static let audioExtensions: Set<String> = ["wav", "flac", "mp3", "ogg"]

    /// Classifies an entry of `new/`; nil for names the spool ignores
    /// (dot files: editors' and copiers' temporaries).
    public static func classify(_ entryName: String, type: FileSystem.EntryType) -> Submission? {
        guard !entryName.hasPrefix("."), !entryName.isEmpty else { return nil }
        let base = stripInfoSuffix(entryName)
        let dot = base.lastIndex(of: ".")
        let ext = dot.map { base[base.index(after: $0)...].lowercased() } ?? ""
        let stemPart = dot.map { String(base[..<$0]) } ?? base
        let stem = sanitize(type == .directory ? base : (stemPart.isEmpty ? base : stemPart))

        func rejected(_ reason: String) -> Submission {
            Submission(entryName: entryName, stem: stem, kind: .rejected, claimedName: sanitize(base), reason: reason)
        }
        switch type {
        case .directory:
            return Submission(entryName: entryName, stem: stem, kind: .jobDirectory, claimedName: "")
        case .symlink:
            return rejected("'\(entryName)' is a symbolic link; submit the file itself")
        case .other:
            return rejected("'\(entryName)' is not a regular file (a FIFO, socket or device)")
        case .regular:
            break
        }
        switch ext {
        case "json":
            return Submission(entryName: entryName, stem: stem, kind: .jobFile, claimedName: "job.json")
        case "txt":
            return Submission(entryName: entryName, stem: stem, kind: .text, claimedName: "input.txt")
        case _ where audioExtensions.contains(ext):
            return Submission(entryName: entryName, stem: stem, kind: .audio, claimedName: "input.\(ext)")
        case "":
            return rejected("'\(entryName)' has no extension; use .json, .txt, .wav, .flac, .mp3 or .ogg")
        default:
            return rejected("'\(entryName)': .\(ext) files are not accepted; use .json, .txt, .wav, .flac, .mp3 or .ogg")
        }
    }

    /// The job id a name in `new/` asks for.
    public static func stem(of entryName: String) -> String {
        let base = stripInfoSuffix(entryName)
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return sanitize(base) }
        return sanitize(String(base[..<dot]))
    }

    /// Maildir's `:2,FLAGS` (and `:1,…`) info suffix is not part of the name.
    static func stripInfoSuffix(_ name: String) -> String {
        // By bytes from the end: Foundation's backwards search was most of
        // the cost of naming a job in serve's watchers.
        let bytes = name.utf8
        guard bytes.contains(UInt8(ascii: ":")) else { return name }
        for flag in [UInt8(ascii: "2"), UInt8(ascii: "1")] {
            var index = bytes.endIndex
            while index > bytes.startIndex {
                index = bytes.index(before: index)
                guard bytes[index] == UInt8(ascii: ":") else { continue }
                let digit = bytes.index(after: index)
                guard digit < bytes.endIndex, bytes[digit] == flag else { continue }
                let comma = bytes.index(after: digit)
                guard comma < bytes.endIndex, bytes[comma] == UInt8(ascii: ",") else { continue }
                return String(name[..<index])
            }
        }
        return name
    }

    /// Control characters would break line-based tools (`ls`, `find`, logs).
    static func sanitize(_ name: String) -> String {
        // Printable ASCII (every engine's name) needs no look at Unicode's categories.
        if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return name }
        return String(String.UnicodeScalarView(name.unicodeScalars.map { $0.properties.generalCategory == .control ? "_" : $0 }))
    }
}

