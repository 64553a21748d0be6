import Basics
import Crypto
import EngineProtocol
import Foundation
import Logging
import Spool

/// Idempotency (SPOOL.md): a job whose key already has a result in `done/`
/// is finished from that result, without running its engine. The key is
/// the job's `idempotency_key`, or a hash of everything that decides the
/// output: engine and its version, task, text, params, the inputs' content,
/// the requested outputs and pauses. `state/results/<key>` names the job
/// that holds the result.
extension JobRunner {
    func cacheKey(_ job: PreparedJob) throws(JobError) -> String? {
        // A script's many engines and voices are not in the key: not cached.
        guard job.spec.cache != false, job.lines.isEmpty else { return nil }
        var hasher = SHA256()
        if let key = job.spec.idempotencyKey {
            hasher.update(data: Data("idempotency_key\0\(key)".utf8))
        } else {
            var inputs: [String: String] = [:]
            for name in job.inputs.keys {
                let fd = try job.openInput(name)
                defer { close(fd) }
                do {
                    inputs[name] = try FileDigest.sha256(descriptor: fd, name: name).hex
                } catch {
                    throw JobError(.badInput, "input \"\(name)\" cannot be read: \(error.errno)")
                }
            }
            // The cover is in the outputs: a job with another is another job.
            if let cover = job.coverArt { inputs[JobSpec.coverInput] = SHA256.hash(data: cover.bytes).hexString }
            let identity = CacheIdentity(
                engine: job.manifest.name, version: job.manifest.version, task: job.task, text: job.text, params: job.spec.params,
                inputs: inputs, outputs: job.outputs, pauses: job.spec.pauses)
            hasher.update(data: (try? CacheIdentity.encoder.encode(identity)) ?? Data())
        }
        return hasher.finalize().hexString
    }

    /// The result of an earlier job with this key, its outputs linked into
    /// `job`'s folder; nil if there is none (or it has been cleaned away).
    func cachedResult(_ job: PreparedJob, key: String, attempt: Attempt) -> JobResult? {
        let logger = attempt.logger
        guard let entry = spool.state.resultIndex.entry(for: key), Spool.isJobID(entry.id), entry.id != job.id
        else { return nil }
        let id = entry.id
        let source = JobFolder(path: spool.path(of: .done, id))
        guard var result = source.read(JobResult.self, from: source.resultFile),
              Dictionary(result.outputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a }) == entry.outputs
        else { return nil }
        var linked: [String] = []
        guard let from = try? source.directory(), let to = try? job.folder.directory() else { return nil }
        for output in result.outputs {
            // A hard link shares the bytes; done/ is never written again.
            // Only plain names, of regular files, reached without a symlink.
            // done/ is the submitter's folder still: the bytes must be the
            // ones this supervisor encoded (the digest it filed).
            guard !output.path.contains("/"), from.info(output.path)?.type == .regular, !to.exists(output.path),
                  linkat(from.descriptor, output.path, to.descriptor, output.path, 0) == 0
            else {
                for name in linked { try? to.remove(name) }
                return nil
            }
            linked.append(output.path)
            // Checked once linked: the link is the inode that was hashed.
            guard (try? FileDigest.sha256(of: output.path, in: to))?.hex == entry.outputs[output.path] else {
                logger.warning("an earlier result's output is not what was encoded; running the job", metadata: ["from": "\(id)", "output": "\(output.path)"])
                for name in linked { try? to.remove(name) }
                return nil
            }
        }
        logger.info("finished from an earlier result", metadata: ["from": "\(id)"])
        let now = Date()
        result.id = job.id
        result.attempts = attempt.number
        result.cached = true
        result.cachedFrom = id
        result.idempotencyKey = key
        result.metadata = job.spec.metadata
        result.timings = JobResult.Timings(
            claimedAt: Timestamp.string(attempt.claimedAt), finishedAt: Timestamp.string(now), engineSeconds: 0, encodeSeconds: 0,
            totalSeconds: now.timeIntervalSince(attempt.claimedAt).rounded(toPlaces: 4))
        return result
    }

    /// Waits until no other job with this key is running, then marks it as
    /// ours (`state/results/<key>.running`, naming the job). A mark whose
    /// job can no longer file a result is stale and taken over.
    func holdKey(_ key: String, for id: String) async throws(JobError) {
        let index = spool.state.resultIndex
        var pollsWhileFiling = 0
        while true {
            if try JobError.storage({ () throws(FileSystemError) in try index.mark(key: key, for: id) }) { return }
            // Unreadable: its holder is releasing it right now; try again.
            guard let holder = index.markHolder(key: key) else { continue }
            if holder.isEmpty || holder == id || !mayStillFile(holder, pollsWhileFiling: &pollsWhileFiling) {
                index.clearMark(key: key)  // ours from an earlier attempt, or its job is gone
                continue
            }
            if Task.isCancelled { throw JobError(.cancelled, "interrupted while an identical job ran") }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Whether the mark's holder may still file its result: it is in `cur/`
    /// under its id or a private name (being finished, or recovered), or it
    /// has just reached `done/` and is filing its index entry. That last
    /// step takes microseconds; 5 s of it means the holder died there.
    private func mayStillFile(_ holder: String, pollsWhileFiling: inout Int) -> Bool {
        if FileSystem.exists(spool.path(of: .cur, holder)) { return true }
        if let names = try? FileSystem.list(spool.path(of: .cur)), names.contains(where: { Spool.idOfPrivateName($0) == holder }) {
            return true
        }
        guard FileSystem.exists(spool.path(of: .done, holder)) else { return false }
        pollsWhileFiling += 1
        return pollsWhileFiling <= 25
    }

    func releaseKey(_ key: String, for id: String) {
        spool.state.resultIndex.releaseMark(key: key, for: id)
    }

    /// Records that `id` in `done/` holds the result for `key`, with the
    /// digests of the outputs this supervisor encoded: only those bytes are
    /// ever handed to a later job.
    func remember(_ key: String, id: String, outputs: [JobResult.Output]) {
        let entry = ResultIndexEntry(id: id, outputs: Dictionary(outputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a }))
        try? spool.state.resultIndex.record(entry, for: key, durable: config.durable)
    }
}


/// Everything that decides a job's output, encoded once, canonically
/// (sorted keys, every field present), to be hashed for its cache key.
/// The engine's version is the manifest's, known before any engine runs,
/// and the one result.json records (JobRunner.execute).
private struct CacheIdentity: Encodable {
    var engine: String
    var version: String
    var task: String
    var text: String?
    var params: [String: JSONValue]
    /// Input name → sha256 of its content.
    var inputs: [String: String]
    var outputs: [OutputSpec]
    var pauses: JobSpec.Pauses?

    /// Sorted keys: the same job always hashes to the same key. The bytes
    /// are JSONEncoder.line(sortedKeys: true)'s, so keys filed by earlier
    /// versions still match.
    static let encoder = DocumentEncoder.line(sortedKeys: true)

    enum CodingKeys: String, CodingKey {
        case engine, version, task, text, params, inputs, outputs, pauses
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(engine, forKey: .engine)
        try container.encode(version, forKey: .version)
        try container.encode(task, forKey: .task)
        // A missing text and pauses are written as null, so that no two
        // identities can encode alike.
        try container.encode(text, forKey: .text)
        try container.encode(params, forKey: .params)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(pauses, forKey: .pauses)
    }
}
