import ArgumentParser
import EngineCheck
import EngineHost
import EngineProtocol
import Foundation
import Glibc

extension Engines {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new engine's folder (manifest, adapter on the SDK, requirements) that passes `engines check`.")

        @OptionGroup var engines: EnginesOptions

        @Argument(help: "The engine's name, also its folder's.")
        var name: String

        @Option(help: ArgumentHelp("Where to make it (default: the engines folder).", valueName: "dir"))
        var dir: String?

        @Option(help: "The adapter's language: python.")
        var language = "python"

        func run() throws {
            guard let language = EngineTemplate.Language(rawValue: language) else {
                throw ValidationError("--language must be one of \(EngineTemplate.Language.allCases.map(\.rawValue)), got \(language)")
            }
            do {
                let folder = try EngineTemplate(name: name, language: language).write(into: dir ?? engines.enginesDirectory)
                print(folder)
                FileHandle.standardError.write(Data("next: edit \(folder)/engine.py, then `audiospool engines check \(folder)` (WRITING-AN-ENGINE.md)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("engines new: \(error.message)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
