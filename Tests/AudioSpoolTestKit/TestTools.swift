import Foundation

/// The Python tool sets tests drive (`Tests/Tools/<name>/`: the `openai`
/// client, schemathesis, juicefs, …), each a virtual environment installed
/// from its hashed lock by `scripts/test-tools.sh`, once per lock and host.
public enum TestTools {
    /// The environment's folder; its programs are in `bin/`.
    public static func environment(_ name: String) async throws -> String {
        try await environments.folder(for: name)
    }

    /// `<environment>/bin/<program>`.
    public static func program(_ program: String, in name: String) async throws -> String {
        try await environment(name) + "/bin/" + program
    }

    private static let environments = Environments()

    private actor Environments {
        private var tasks: [String: Task<String, Error>] = [:]

        func folder(for name: String) async throws -> String {
            if let task = tasks[name] { return try await task.value }
            let task = Task {
                let result = try await ChildProcess.run(Repository.root + "/scripts/test-tools.sh", [name])
                guard result.status == 0, let line = result.stdout.split(separator: "\n").last else {
                    throw TinyModels.SetupFailed(description: "scripts/test-tools.sh \(name) failed: \(result.summary)")
                }
                return String(line)
            }
            tasks[name] = task
            return try await task.value
        }
    }
}
