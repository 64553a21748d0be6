import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// A claim finishes only from its own private name, and only while
/// owner.json holds its token (SPOOL.md, "Fencing").
@Suite struct FencingTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    /// A claimed job of `token`, as a runner leaves it.
    func claimed(_ id: String, token: String) throws {
        let folder = JobFolder(path: spool.path(of: .cur, id))
        try FileSystem.createDirectories(folder.path)
        try folder.write(Owner.current(token: token), to: folder.ownerFile)
    }

    @Test func theOwnerTakesItsClaimToItsPrivateName() throws {
        let token = Owner.newToken()
        try claimed("job", token: token)
        #expect(spool.holds("job", token: token))
        let folder = try #require(spool.takeForFinishing("job", token: token))
        #expect(folder.path == spool.cur + "/.commit-\(token)-job")
        #expect(!FileSystem.exists(spool.path(of: .cur, "job")))
        #expect(Spool.idOfPrivateName(".commit-\(token)-job") == "job")
        #expect(spool.takeForFinishing("job", token: token)?.path == folder.path, "a retried finish finds it there")
        _ = try spool.move(folder.path, into: .done, preferring: "job")
        #expect(FileSystem.exists(spool.path(of: .done, "job") + "/owner.json"))
    }

    @Test func aClaimThatChangedHandsIsLeftWhereItIs() throws {
        let mine = Owner.newToken()
        let theirs = Owner.newToken()
        try claimed("job", token: theirs)
        #expect(!spool.holds("job", token: mine))
        #expect(spool.takeForFinishing("job", token: mine) == nil)
        #expect(spool.ownerToken(at: spool.path(of: .cur, "job")) == theirs, "the new owner's folder is untouched")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: spool.cur)
        #expect(hidden == ["job"])
    }

    @Test func aRecoveredClaimCannotBeFinished() throws {
        let token = Owner.newToken()
        try claimed("job", token: token)
        _ = try spool.move(spool.path(of: .cur, "job"), into: .new, preferring: "job")
        #expect(spool.takeForFinishing("job", token: token) == nil)
        #expect(FileSystem.isDirectory(spool.path(of: .new, "job")))
    }

    @Test func privateNamesAreRecognisedOnlyWhole() {
        let token = String(repeating: "ab", count: 16)
        #expect(Spool.idOfPrivateName(".recover-\(token)-a-b") == "a-b")
        #expect(Spool.idOfPrivateName(".commit-short-job") == nil)
        #expect(Spool.idOfPrivateName(".commit-\(token)-") == nil)
        #expect(Spool.idOfPrivateName("job") == nil)
        #expect(Spool.idOfPrivateName(".tmp-x") == nil)
    }
}
