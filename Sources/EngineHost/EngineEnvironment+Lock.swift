import Foundation
import Subprocess
import SystemPackage

extension EngineEnvironment {
    /// What is installed (`pip freeze --all`), by normalised name; nil when
    /// pip cannot say (a broken environment).
    public func installedPackages() async -> [String: String]? {
        guard let outcome = try? await Subprocess.run(
            .path(FilePath(python)), arguments: ["-m", "pip", "--disable-pip-version-check", "--no-input", "freeze", "--all"],
            output: .string(limit: 1 << 20), error: .discarded),
            outcome.terminationStatus.isSuccess
        else { return nil }
        return RequirementsLock.installed(freeze: outcome.standardOutput)
    }

    /// How the environment differs from its lock, for people; empty when
    /// it is the same, or when the engine has no lock.
    public func differencesFromLock() async -> [String] {
        guard let lockFile else { return [] }
        guard let lock = RequirementsLock.load(lockFile) else { return ["\(lockFile) cannot be read"] }
        guard let installed = await installedPackages() else { return ["pip freeze failed in \(directory)"] }
        return lock.differences(from: installed)
    }
}
