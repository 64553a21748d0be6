import ArgumentParser

/// A command that could not do its work: printed as "Error: MESSAGE" with
/// exit status 1. ValidationError is only for mistakes in the command line
/// itself, because ArgumentParser follows it with the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ message: String) {
        description = message
    }
}
