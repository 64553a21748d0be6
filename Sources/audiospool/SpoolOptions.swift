import ArgumentParser
import Foundation
import Spool

/// Where the spool and the engines are: flags, then the environment, then
/// `./spool` and `./Engines`.
struct SpoolOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The spool folder.", valueName: "dir"))
    var spool: String?

    var spoolDirectory: String {
        spool ?? ProcessInfo.processInfo.environment["AUDIOSPOOL_SPOOL"] ?? "spool"
    }

    var resolvedSpool: Spool {
        Spool(root: spoolDirectory)
    }
}

struct EnginesOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The engines folder.", valueName: "dir"))
    var engines: String?

    var enginesDirectory: String {
        engines ?? ProcessInfo.processInfo.environment["AUDIOSPOOL_ENGINES"] ?? "Engines"
    }
}
