import Foundation

/// An engines folder for one test, holding copies of real engines with
/// their manifests edited (tighter timeouts, another name), and the SDK.
public final class EngineVariants: Sendable {
    public let directory: TemporaryDirectory

    public init() throws {
        directory = TemporaryDirectory(prefix: "audiospool-engines")
        try FileManager.default.copyItem(atPath: Repository.sdk, toPath: directory.file("sdk"))
    }

    public var path: String { directory.path }

    /// Copies engine `source` (a folder of Engines/ or of the fixtures) as
    /// `name`, with `edit` applied to its engine.json.
    @discardableResult
    public func add(_ name: String, from source: String, edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let target = directory.file(name)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        // Fixture engines run ../fixture.py.
        let script = (source as NSString).deletingLastPathComponent + "/fixture.py"
        if FileManager.default.fileExists(atPath: script) && !FileManager.default.fileExists(atPath: directory.file("fixture.py")) {
            try FileManager.default.copyItem(atPath: script, toPath: directory.file("fixture.py"))
        }
        let manifest = target + "/engine.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest))) as! [String: Any]
        object["name"] = name
        edit(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: manifest))
        return target
    }
}
