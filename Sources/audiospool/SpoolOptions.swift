import ArgumentParser
import Basics
import Foundation
import Spool

/// Where the spool and the engines are: flags, then the environment, then
/// `./spool` and `./Engines`.
struct SpoolOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The spool folder (run and submit make it, but only inside a folder that exists).", valueName: "dir"))
    var spool: String?

    var spoolDirectory: String {
        spool ?? ProcessInfo.processInfo.environment["AUDIOSPOOL_SPOOL"] ?? "spool"
    }

    var resolvedSpool: Spool {
        Spool(root: spoolDirectory)
    }

    /// The spool, for commands that only look at one: a typo in `--spool`
    /// fails rather than reporting an empty spool.
    func existingSpool() throws -> Spool {
        let spool = resolvedSpool
        guard spool.exists else {
            throw CommandFailure("no spool at \(spool.root) (it has no new/ folder); `audiospool run --spool \(spool.root)` makes one")
        }
        return spool
    }
}

struct EnginesOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The engines folder.", valueName: "dir"))
    var engines: String?

    var enginesDirectory: String {
        engines ?? ProcessInfo.processInfo.environment["AUDIOSPOOL_ENGINES"] ?? "Engines"
    }

    /// The engines folder, for commands that only look at it: a typo fails
    /// rather than listing no engines.
    func existingEnginesDirectory() throws -> String {
        guard FileSystem.isDirectory(enginesDirectory) else {
            throw CommandFailure("no engines folder at \(enginesDirectory) (give --engines or set AUDIOSPOOL_ENGINES)")
        }
        return enginesDirectory
    }
}
