import AudioSpoolTestKit
import Foundation
import Testing

/// Package.swift against the sources: every target lists each of our
/// modules it imports. A module reached only through another is not an
/// input of the importer's build, so a layout change in it (a private
/// stored property) left the importer compiled against the old layout,
/// and `audiospool encode --chapters` crashed until a clean build
/// (swiftlang/swift#89636).
@Suite struct PackageImportsTests {
    struct Target {
        var name: String
        var folder: String
        var dependencies: Set<String>
    }

    /// The targets as SwiftPM reads the manifest (`swift package dump-package`;
    /// a scratch path of its own, as `swift test` holds `.build`'s lock).
    func targets() async throws -> [Target] {
        let scratch = TemporaryDirectory()
        let dump = try await ChildProcess.run(
            "/usr/bin/env", ["swift", "package", "--scratch-path", scratch.path, "dump-package"], directory: Repository.root)
        try #require(dump.status == 0, "\(dump.summary)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let targets = try #require(document["targets"] as? [[String: Any]])
        return targets.compactMap { target in
            guard let name = target["name"] as? String, let type = target["type"] as? String else { return nil }
            let folder = (target["path"] as? String) ?? (type == "test" ? "Tests/" : "Sources/") + name
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                ((dependency["byName"] ?? dependency["target"]) as? [Any])?.first as? String
            }
            return Target(name: name, folder: folder, dependencies: Set(dependencies))
        }
    }

    /// The modules a folder's Swift files import.
    func imports(in folder: String) throws -> Set<String> {
        var found: Set<String> = []
        let root = Repository.root + "/" + folder
        guard let files = FileManager.default.enumerator(atPath: root) else { return found }
        for case let file as String in files where file.hasSuffix(".swift") {
            for line in try String(contentsOfFile: root + "/" + file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("@") }
                if words.count >= 2, words[0] == "import" { found.insert(words[1]) }
            }
        }
        return found
    }

    @Test func everyTargetListsTheModulesOfOursItImports() async throws {
        let targets = try await targets()
        let ours = Set(targets.map(\.name))
        #expect(ours.contains("OutputEncoding") && ours.contains("Basics") && ours.count > 20, "\(ours.sorted())")
        var checked = 0
        for target in targets {
            let missing = try imports(in: target.folder).intersection(ours).subtracting(target.dependencies).subtracting([target.name])
            #expect(missing.isEmpty, "\(target.name) imports \(missing.sorted()) without listing them in Package.swift")
            checked += 1
        }
        #expect(checked == targets.count)
    }
}
