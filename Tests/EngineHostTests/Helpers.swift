import AudioSpoolTestKit
import EngineHost
import EngineProtocol
import Foundation
import Synchronization

/// An engine from Engines/ or from the test fixtures, ready to start.
func process(_ name: String, fixture: Bool = false, log: TemporaryDirectory? = nil) throws -> EngineProcess {
    let root = fixture ? Repository.fixtureEngines : Repository.engines
    let manifest = try EngineManifest.load(directory: root + "/" + name)
    var options = EngineProcess.Options(logFile: log.map { $0.file("\(name).log") })
    options.sdkDirectory = Repository.sdk
    return EngineProcess(manifest: manifest, options: options)
}

/// Collects progress notifications.
final class ProgressLog: Sendable {
    private let values = Mutex<[Double]>([])

    var all: [Double] { values.withLock { $0 } }

    func record(_ params: ProgressParams) {
        values.withLock { $0.append(params.progress) }
    }
}

func isAlive(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0
}
