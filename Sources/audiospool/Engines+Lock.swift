import ArgumentParser
import EngineHost
import Foundation
import SystemPackage

extension Engines {
    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the engines' locks (setup.python_lock) from their requirements (all, or those named).",
            discussion: """
                Every package, transitive ones too, at one version with its hashes, by a pinned uv
                (`uv pip compile --generate-hashes`, installed once into ~/.cache/audiospool/tools).
                Versions already in a lock are kept unless upgraded: change one dependency with
                --upgrade-package NAME. Then `audiospool engines setup NAME` makes its new environment.
                """)

        @OptionGroup var engines: EnginesOptions

        @Argument(help: "Engines to lock (default: all with a setup).")
        var names: [String] = []

        @Option(help: ArgumentHelp("Move this package to its newest version the requirements allow (repeatable).", valueName: "name"))
        var upgradePackage: [String] = []

        @Flag(help: "Move every package to its newest version the requirements allow.")
        var upgrade = false

        func run() async throws {
            let registry = EngineRegistry.load(directory: engines.enginesDirectory)
            let chosen = names.isEmpty ? registry.names.filter { registry[$0]?.setup != nil } : names
            var failed = false
            for name in chosen {
                guard let manifest = registry[name] else {
                    print("\(name): \(registry.explainMissing(name))")
                    failed = true
                    continue
                }
                do {
                    try await LockTool().lock(manifest, upgrading: upgradePackage, upgradingAll: upgrade, log: .standardError)
                    print("\(name): wrote \(manifest.directory)/\(manifest.setup?.pythonLock ?? "")")
                } catch {
                    print("\(name): \(error.message)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
