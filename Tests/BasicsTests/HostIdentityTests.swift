import Basics
import Foundation
import Glibc
import Testing

@Suite struct HostIdentityTests {
    @Test func theNameIsTheSystemsOrLocalhost() {
        #expect(!HostIdentity.name.isEmpty)
        let named = HostIdentity.name { buffer, _ in
            strcpy(buffer, "render-7")
            return 0
        }
        #expect(named == "render-7")
        #expect(HostIdentity.name { _, _ in -1 } == "localhost", "a failed gethostname")
        #expect(HostIdentity.name { _, _ in 0 } == "localhost", "an empty name")
    }

    @Test func aHostNameMustBeAFolderName() {
        #expect(HostIdentity.check(name: "gpu-node-7.example_1") == nil)
        #expect(HostIdentity.check(name: "") != nil)
        #expect(HostIdentity.check(name: "..") != nil)
        #expect(HostIdentity.check(name: ".hidden") != nil)
        #expect(HostIdentity.check(name: "a/b")?.contains("\"/\"") == true)
        #expect(HostIdentity.check(name: String(repeating: "h", count: 65)) != nil)
        #expect(HostIdentity.environmentVariable == "AUDIOSPOOL_HOST")
    }

    @Test func theBootIDIsReadTrimmedOrEmpty() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("9b6c2f0e-0000-4000-8000-000000000001\n".utf8).write(to: URL(fileURLWithPath: folder + "/boot_id"))
        #expect(HostIdentity.bootID(file: folder + "/boot_id") == "9b6c2f0e-0000-4000-8000-000000000001")
        #expect(HostIdentity.bootID(file: folder + "/missing") == "")
        if FileManager.default.fileExists(atPath: "/proc/sys/kernel/random/boot_id") {
            #expect(HostIdentity.bootID.count == 36)
        }
    }

    @Test func theProcessStartNamesThisProcess() {
        #expect(HostIdentity.processStart > 0)
        #expect(HostIdentity.processStart(of: getpid()) == HostIdentity.processStart)
        #expect(HostIdentity.processStart(of: Int32.max) == nil, "no such process")
    }
}

func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "basics-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
