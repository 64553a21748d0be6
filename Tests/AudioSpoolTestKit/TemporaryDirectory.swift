import Foundation
import Glibc

/// A fresh folder under the system's temporary folder, removed when the
/// value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    /// `base`: another parent than the system's temporary folder (/dev/shm, say).
    public init(prefix: String = "audiospool-test", in base: String? = nil) {
        var template = Array("\(base ?? NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = URL(fileURLWithPath: String(cString: result!)).resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String {
        path + "/" + name
    }

    /// Writes a file in place (creating its folder), returning its path. Not
    /// atomic on purpose: this is how a careless copy into `new/` looks.
    @discardableResult
    public func write(_ name: String, _ contents: String) -> String {
        write(name, Data(contents.utf8))
    }

    @discardableResult
    public func write(_ name: String, _ contents: Data) -> String {
        let path = file(name)
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? contents.write(to: URL(fileURLWithPath: path))
        return path
    }
}
