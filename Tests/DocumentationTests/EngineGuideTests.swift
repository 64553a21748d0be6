import EngineCheck
import EngineHost
import Foundation
import Testing

/// WRITING-AN-ENGINE.md promises things the code must keep.
@Suite struct EngineGuideTests {
    let guide: Markdown

    init() throws {
        guide = try Markdown("WRITING-AN-ENGINE.md")
    }

    @Test func theExampleManifestIsAValidManifest() throws {
        let start = try #require(guide.lines.firstIndex(of: "```json"))
        let end = try #require(guide.lines[(start + 1)...].firstIndex(of: "```"))
        let text = guide.lines[(start + 1)..<end].joined(separator: "\n")
        let manifest = try EngineManifest.parse(Data(text.utf8), directory: "/engines/kokoro")
        #expect(manifest.tasks["tts"]?.segmentation?.maxCharacters == 400)
        #expect(manifest.device == .gpuPreferred)
        #expect(manifest.setup?.pythonRequirements == "requirements.txt")
    }

    @Test func theManifestTableListsEveryField() {
        let accepted = knownFields(
            { _ = try EngineManifest.parse($0, directory: "/e/x") }, base: #"{"command": ["x"], "tasks": {"t": {}}}"#)
        #expect(!accepted.isEmpty)
        #expect(guide.names(after: "2. The manifest") == accepted)
    }

    @Test func theGuideNamesTheUvThatMakesLocks() {
        #expect(guide.lines.joined(separator: " ").contains("(uv \(LockTool.uvVersion), `LockTool.uvVersion`"))
    }

    @Test func theCheckTableListsEveryRule() {
        #expect(guide.names(after: "7. Test it: `engines check`") == Set(CheckRule.allCases.map(\.rawValue)))
    }

    @Test func engineNewMakesTheFilesTheGuideNames() throws {
        #expect(guide.names(after: "1. Make the folder") == Set(try EngineTemplate(name: "kokoro").files.keys))
    }
}
