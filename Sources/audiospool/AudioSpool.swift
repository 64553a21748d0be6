import ArgumentParser
import Basics

@main
struct AudioSpool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audiospool",
        abstract: "A drop-a-file engine farm for speech and music AI.",
        discussion: """
            Drop a job into SPOOL/new/ (or use `submit`), run a supervisor, and find the
            result in SPOOL/done/<id>/. SPOOL.md describes the folders and files.
            """,
        version: AudioSpoolVersion.current,
        subcommands: [
            Run.self, Submit.self, Status.self, Watch.self, Explain.self, Cancel.self, Retry.self, Clean.self, Engines.self,
            GPUs.self, Encode.self, Health.self, Serve.self, Voices.self,
        ])

    static func main() async {
        await main(CommandLine.arguments.isEmpty ? kernelArguments() : nil)
    }

    /// The arguments as the kernel has them, for when the Swift runtime
    /// saw none: under an LD_PRELOAD shim such as libfaketime (a host run
    /// with a skewed clock) `CommandLine.arguments` comes back empty.
    static func kernelArguments() -> [String]? {
        guard let data = try? FileSystem.read("/proc/self/cmdline", limit: 1 << 20) else { return nil }
        return Array(data.split(separator: 0, omittingEmptySubsequences: false).dropFirst().dropLast().map { String(decoding: $0, as: UTF8.self) })
    }
}

enum AudioSpoolVersion {
    static let current = "0.1.0"
}
