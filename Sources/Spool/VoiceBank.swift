import Basics
import Foundation
import Glibc

/// The spool's saved voices (SPOOL.md, "Voices"): `voices/<engine>/<name>/`
/// holds `reference.wav`, the decoded recording, and whatever the engine
/// keeps next to it (XTTS's conditioning latents). Every host sharing the
/// spool sees the same bank. A voice appears whole or not at all: it is
/// written in a hidden folder and renamed into place.
public struct VoiceBank: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The decoded recording's name inside a voice's folder.
    public static let referenceName = "reference.wav"
    /// The longest name a voice may have, in bytes.
    public static let maxNameBytes = 64

    /// Whether `name` can name a voice (or an engine's folder): one path
    /// component, not hidden, no NUL or control characters, at most 64 bytes.
    public static func isName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && name.utf8.count <= maxNameBytes
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\0" }
    }

    /// The folder of one engine's voices (it may not exist yet).
    public func folder(engine: String) -> String {
        root + "/" + engine
    }

    public func folder(engine: String, voice: String) -> String {
        folder(engine: engine) + "/" + voice
    }

    /// The voices saved for `engine`, sorted; hidden (half-written) folders
    /// and anything that is not a real folder (a symlink) are left out.
    public func names(engine: String) -> [String] {
        guard VoiceBank.isName(engine), isRealFolder(engine: engine), let entries = try? FileSystem.list(folder(engine: engine)) else {
            return []
        }
        return entries.filter { name in
            VoiceBank.isName(name) && FileSystem.info(folder(engine: engine) + "/" + name)?.type == .directory
        }.sorted()
    }

    /// Saves a voice from a WAV already written at `wav` (moved in). Fails
    /// if the name is taken: remove the old voice first.
    public func add(_ name: String, engine: String, wav: String) throws(VoiceBankError) {
        try VoiceBank.check(name, engine: engine)
        let parent = folder(engine: engine)
        do {
            try FileSystem.createDirectories(parent)
        } catch {
            throw VoiceBankError(error.description)
        }
        guard isRealFolder(engine: engine) else { throw VoiceBankError("\(parent) is not a folder (a symlink is not followed)") }
        let staging = parent + "/.adding-\(name)-\(getpid())"
        let target = folder(engine: engine, voice: name)
        if FileSystem.info(target) != nil { throw VoiceBankError("voice \"\(name)\" of engine \(engine) exists; remove it first") }
        do {
            try? FileSystem.removeTree(staging)
            try FileSystem.createDirectories(staging)
            try FileSystem.rename(wav, staging + "/" + VoiceBank.referenceName)
        } catch {
            try? FileSystem.removeTree(staging)
            throw VoiceBankError(error.description)
        }
        // rename(2) onto a folder that appeared meanwhile would merge nothing:
        // an existing non-empty folder makes it fail with ENOTEMPTY/EEXIST.
        if Glibc.rename(staging, target) != 0 {
            let reason = errno
            try? FileSystem.removeTree(staging)
            if reason == ENOTEMPTY || reason == EEXIST {
                throw VoiceBankError("voice \"\(name)\" of engine \(engine) exists; remove it first")
            }
            throw VoiceBankError("rename to \(target): \(String(cString: strerror(reason)))")
        }
    }

    /// Removes a voice: renamed out of sight first, so no engine finds it half gone.
    public func remove(_ name: String, engine: String) throws(VoiceBankError) {
        try VoiceBank.check(name, engine: engine)
        let target = folder(engine: engine, voice: name)
        guard FileSystem.info(target)?.type == .directory else {
            let known = names(engine: engine)
            throw VoiceBankError("no voice \"\(name)\" for engine \(engine); saved: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
        }
        let doomed = folder(engine: engine) + "/.removing-\(name)-\(getpid())"
        do {
            try FileSystem.rename(target, doomed)
            try FileSystem.removeTree(doomed)
        } catch {
            throw VoiceBankError(error.description)
        }
    }

    /// Whether the bank and the engine's folder are folders, not symlinks.
    public func isRealFolder(engine: String) -> Bool {
        FileSystem.info(root)?.type == .directory && FileSystem.info(folder(engine: engine))?.type == .directory
    }

    static func check(_ name: String, engine: String) throws(VoiceBankError) {
        guard VoiceBank.isName(engine) else { throw VoiceBankError("\"\(engine)\" cannot name an engine") }
        guard VoiceBank.isName(name) else {
            throw VoiceBankError(
                "\"\(name)\" cannot name a voice: use one path component of at most \(maxNameBytes) bytes, not starting with \".\", without \"/\" or control characters")
        }
    }
}

public struct VoiceBankError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Spool {
    /// The voice bank: `voices/<engine>/<name>/`. Made by the first `voices add`.
    public var voices: String { root + "/voices" }

    public var voiceBank: VoiceBank { VoiceBank(root: voices) }
}
