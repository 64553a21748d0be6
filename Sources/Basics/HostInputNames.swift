/// Input names the host keeps for itself: a job's `inputs` entry of such a
/// name is for the host, never handed to an engine, so no engine manifest
/// may declare an input of that name (SPOOL.md, "Cover art").
public enum HostInputNames {
    /// A PNG or JPEG picture: the front cover of the outputs whose
    /// containers hold one.
    public static let cover = "cover"

    public static let all: Set<String> = [cover]
}
