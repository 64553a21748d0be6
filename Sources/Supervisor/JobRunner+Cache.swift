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
        guard job.spec.cache != false else { return nil }
        var hasher = SHA256()
        if let key = job.spec.idempotencyKey {
            hasher.update(data: Data("idempotency_key\0\(key)".utf8))
        } else {
            var inputs: [String: JSONValue] = [:]
            for (name, path) in job.inputs {
                do {
                    inputs[name] = .string(try FileDigest.sha256(of: path).hex)
                } catch {
                    throw JobError(.badInput, "input \"\(name)\" cannot be read: \(error.errno)")
                }
            }
            let outputs = (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(job.outputs))) ?? .null
            let pauses = (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(job.spec.pauses))) ?? .null
            let identity: JSONValue = .object([
                "engine": .string(job.manifest.name), "version": .string(job.manifest.version), "task": .string(job.task),
                "text": job.text.map(JSONValue.string) ?? .null, "params": .object(job.spec.params), "inputs": .object(inputs),
                "outputs": outputs, "pauses": pauses,
            ])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            hasher.update(data: (try? encoder.encode(identity)) ?? Data())
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The result of an earlier job with this key, its outputs linked into
    /// `job`'s folder; nil if there is none (or it has been cleaned away).
    func cachedResult(_ job: PreparedJob, key: String, attempt: Int, claimedAt: Date, logger: Logger) -> JobResult? {
        guard let data = try? FileSystem.read(indexFile(key), limit: 4096),
              let id = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty,
              id != job.id
        else { return nil }
        let source = JobFolder(path: spool.path(of: .done, id))
        guard var result = source.read(JobResult.self, from: source.resultFile) else { return nil }
        var linked: [String] = []
        for output in result.outputs {
            let from = source.path + "/" + output.path
            let to = job.folder.path + "/" + output.path
            // A hard link shares the bytes; done/ is never written again.
            if FileSystem.exists(to) || link(from, to) != 0 {
                for path in linked { unlink(path) }
                return nil
            }
            linked.append(to)
        }
        logger.info("finished from an earlier result", metadata: ["from": "\(id)"])
        let now = Date()
        result.id = job.id
        result.attempts = attempt
        result.cached = true
        result.cachedFrom = id
        result.idempotencyKey = key
        result.metadata = job.spec.metadata
        result.timings = JobResult.Timings(
            claimedAt: Timestamp.string(claimedAt), finishedAt: Timestamp.string(now), engineSeconds: 0, encodeSeconds: 0,
            totalSeconds: now.timeIntervalSince(claimedAt).rounded(toPlaces: 4))
        return result
    }

    /// Waits until no other job with this key is running, then marks it as
    /// ours (`state/results/<key>.running`, naming the job). A mark whose
    /// job is no longer in `cur/` is stale and taken over.
    func holdKey(_ key: String, for id: String) async throws(JobError) {
        let mark = indexFile(key) + ".running"
        try? FileSystem.createDirectories(spool.state + "/results")
        while true {
            do {
                if try FileSystem.createExclusively(Data(id.utf8), at: mark) { return }
            } catch {
                throw JobError(storage: error)
            }
            // Unreadable: its holder is releasing it right now; try again.
            guard let data = try? FileSystem.read(mark, limit: 4096) else { continue }
            let holder = String(decoding: data, as: UTF8.self)
            if holder.isEmpty || holder == id || !FileSystem.exists(spool.path(of: .cur, holder)) {
                unlink(mark)  // ours from an earlier attempt, or its job is gone
                continue
            }
            if Task.isCancelled { throw JobError(.cancelled, "interrupted while an identical job ran") }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    func releaseKey(_ key: String, for id: String) {
        let mark = indexFile(key) + ".running"
        if (try? FileSystem.read(mark, limit: 4096)).flatMap({ String(data: $0, encoding: .utf8) }) == id { unlink(mark) }
    }

    /// Records that `id` in `done/` holds the result for `key`.
    func remember(_ key: String, id: String) {
        try? FileSystem.createDirectories(spool.state + "/results")
        try? FileSystem.writeAtomically(Data(id.utf8), to: indexFile(key))
    }

    private func indexFile(_ key: String) -> String {
        spool.state + "/results/" + key
    }
}
