import ArgumentParser

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
            GPUs.self, Encode.self, Voices.self,
        ])
}

enum AudioSpoolVersion {
    static let current = "0.1.0"
}
