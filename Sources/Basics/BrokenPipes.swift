import Glibc

/// SIGPIPE, ignored once for the whole process: a write to an engine that
/// died, or to a `| head` that stopped reading, then fails with EPIPE where
/// it happens instead of killing the process.
public enum BrokenPipes {
    public static func ignore() { _ = ignored }

    private static let ignored: Void = { signal(SIGPIPE, SIG_IGN) }()
}
