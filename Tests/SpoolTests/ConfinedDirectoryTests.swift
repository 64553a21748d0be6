import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// The one way into a job folder: nothing it does may reach a victim
/// outside the folder through a symlink, `..` or an absolute path.
@Suite struct ConfinedDirectoryTests {
    let directory = TemporaryDirectory()
    var job: String { directory.path + "/job" }
    var victim: String { directory.path + "/victim/secret.txt" }
    var victimFolder: String { directory.path + "/victim" }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/job", withIntermediateDirectories: true)
        _ = directory.write("victim/secret.txt", "not for jobs")
    }

    func victimIsUntouched() throws {
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "not for jobs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: victimFolder) == ["secret.txt"])
    }

    @Test func aSymlinkIsNeverFollowedAnywhereOnThePath() throws {
        try FileManager.default.createSymbolicLink(atPath: job + "/file", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: job + "/folder", withDestinationPath: victimFolder)
        let folder = try ConfinedDirectory(path: job)
        for name in ["file", "folder/secret.txt"] {
            #expect(throws: FileSystemError.self) { try folder.read(name, limit: 100) }
            #expect(throws: FileSystemError.self) { _ = try folder.open(name, O_WRONLY | O_TRUNC) }
        }
        #expect(throws: FileSystemError.self) { try folder.writeAtomically(Data("x".utf8), to: "folder/secret.txt") }
        #expect(throws: FileSystemError.self) { try folder.makeDirectories("folder/new") }
        #expect(folder.info("folder/secret.txt") == nil)
        #expect(folder.info("file")?.type == .symlink)
        try victimIsUntouched()
    }

    @Test func theFallbackWithoutOpenat2FollowsNoSymlinkEither() throws {
        try FileManager.default.createSymbolicLink(atPath: job + "/file", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: job + "/folder", withDestinationPath: victimFolder)
        _ = directory.write("job/sub/own.txt", "mine")
        let folder = try ConfinedDirectory(path: job)
        for name in ["file", "folder/secret.txt", "../victim/secret.txt", victim] {
            #expect(throws: FileSystemError.self, "\(name)") { _ = try folder.openWalking(name, O_RDONLY) }
            #expect(throws: FileSystemError.self, "\(name)") { _ = try folder.openWalking(name, O_WRONLY | O_TRUNC) }
        }
        let fd = try folder.openWalking("sub/own.txt", O_RDONLY)
        defer { close(fd) }
        #expect(try FileSystem.readAll(fd, path: "own.txt", limit: 100) == Data("mine".utf8))
        try victimIsUntouched()
    }

    @Test func dotDotAndAbsolutePathsAreRefused() throws {
        let folder = try ConfinedDirectory(path: job)
        for name in ["../victim/secret.txt", victim, "a/../../victim/secret.txt", "", "./x", "a//b"] {
            #expect(throws: FileSystemError.self, "\(name)") { _ = try folder.open(name, O_RDONLY) }
            #expect(throws: FileSystemError.self, "\(name)") { try folder.writeAtomically(Data(), to: name) }
        }
        try victimIsUntouched()
    }

    @Test func writingOverAPlantedSymlinkReplacesTheLinkNotItsTarget() throws {
        try FileManager.default.createSymbolicLink(atPath: job + "/status.json", withDestinationPath: victim)
        let folder = try ConfinedDirectory(path: job)
        try folder.writeAtomically(Data("{}".utf8), to: "status.json")
        #expect(folder.info("status.json")?.type == .regular)
        #expect(try String(contentsOfFile: job + "/status.json", encoding: .utf8) == "{}")
        try victimIsUntouched()
    }

    @Test func removingASymlinkToAFolderRemovesOnlyTheLink() throws {
        try FileManager.default.createSymbolicLink(atPath: job + "/work", withDestinationPath: victimFolder)
        try ConfinedDirectory(path: job).remove("work")
        #expect(!FileManager.default.fileExists(atPath: job + "/work"))
        try victimIsUntouched()
    }

    @Test func temporariesAreExclusiveAndUnpredictable() throws {
        let folder = try ConfinedDirectory(path: job)
        let first = try folder.createTemporary(for: "output.wav")
        let second = try folder.createTemporary(for: "output.wav")
        defer { close(first.fd); close(second.fd) }
        #expect(first.name != second.name)
        #expect(first.name.hasPrefix(".output.wav.tmp-") && first.name.count > ".output.wav.tmp-".count + 8)
        // The temporary is a new file of its own, never a planted entry.
        #expect(folder.info(first.name)?.type == .regular && folder.info(first.name)?.size == 0)
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        #expect(mkfifo(job + "/words.txt", 0o644) == 0)
        let folder = try ConfinedDirectory(path: job)
        #expect(throws: FileSystemError.self) { try folder.read("words.txt", limit: 100) }
    }

    @Test func aFolderThatIsASymlinkCannotBeOpened() throws {
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/link", withDestinationPath: victimFolder)
        #expect(throws: FileSystemError.self) { try ConfinedDirectory(path: directory.path + "/link") }
    }

    @Test func anEngineIsHandedTheCheckedFileItself() throws {
        _ = directory.write("job/voice.wav", "audio")
        let folder = try ConfinedDirectory(path: job)
        let fd = try folder.openRegular("voice.wav", O_RDONLY)
        defer { close(fd) }
        // Swapped for a symlink after the check: the placed file is still the checked one.
        unlink(job + "/voice.wav")
        try FileManager.default.createSymbolicLink(atPath: job + "/voice.wav", withDestinationPath: victim)
        let inputs = try folder.makeDirectories("work/attempt-1/inputs")
        try inputs.place(descriptor: fd, as: "reference-voice.wav")
        #expect(try String(contentsOfFile: job + "/work/attempt-1/inputs/reference-voice.wav", encoding: .utf8) == "audio")
        try victimIsUntouched()
    }
}
