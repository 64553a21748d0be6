/// The names the spool keeps for itself inside a job folder (SPOOL.md, "A
/// running job" and "What a submitter controls"). The one list: the spool
/// removes submitted entries of these names before a job runs, and no
/// engine output may take one of their stems (PROTOCOL.md, "run").
public enum JobFolderNames {
    /// Entries only the supervisor writes. A submitted one is removed
    /// before the job runs, whatever it is (file, folder, symlink, FIFO).
    public static let supervisorEntries: Set<String> = [
        "status.json", "result.json", "error.json", "owner.json", "attempts.json", "work", "segments",
    ]

    /// What the spool writes or names beside them: `job.json` (written for
    /// a dropped `.txt` or audio file) and `input.EXT` (the dropped file).
    public static let spoolEntryStems: Set<String> = ["job", "input"]

    /// Stems an output may not take, so `result.wav` never sits beside
    /// `result.json`, nor `input.mp3` beside the dropped `input.mp3`.
    public static let reservedStems: Set<String> = spoolEntryStems.union(
        supervisorEntries.map { $0.split(separator: ".").first.map(String.init) ?? $0 })

    /// The hidden temporaries the spool writes and renames into place
    /// (`.NAME.tmp-RANDOM`, and `.NAME.partial-…` and `.NAME.staging-…`
    /// of older versions). Any submitted entry that looks like one is
    /// removed, so no interrupted write is ever mistaken for one of ours.
    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && temporaryMarks.contains { name.contains($0) }
    }

    public static let temporaryMarks = [".tmp-", ".partial-", ".staging-"]
}
