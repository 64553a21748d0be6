import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// deploy/kubernetes: the base and the GPU overlay, rendered as kustomize
/// renders them (Tests/Tools/kubernetes/render.py), pass kubernetes-validate
/// --strict, and hold what DEPLOYING.md promises.
@Suite(.timeLimit(.minutes(3))) struct KubernetesManifestTests {
    private func render(_ overlay: String, json: Bool) async throws -> String {
        let python = try await TestTools.program("python", in: "kubernetes")
        let result = try await ChildProcess.run(
            python, [Repository.root + "/Tests/Tools/kubernetes/render.py"] + (json ? ["--json"] : []) + [Repository.root + "/deploy/kubernetes/" + overlay])
        try #require(result.status == 0, "\(result.summary)")
        return result.stdout
    }

    private func validate(_ yaml: String, in directory: TemporaryDirectory) async throws -> ChildProcess.Result {
        let file = directory.write("rendered-\(UInt32.random(in: 0...UInt32.max)).yaml", yaml)
        return try await ChildProcess.run(try await TestTools.program("kubernetes-validate", in: "kubernetes"), ["--strict", "--quiet", file])
    }

    @Test(arguments: ["base", "overlays/gpu"]) func theRenderedManifestsValidate(_ overlay: String) async throws {
        let directory = TemporaryDirectory()
        let yaml = try await render(overlay, json: false)
        let result = try await validate(yaml, in: directory)
        #expect(result.status == 0, "\(result.summary)")
        // The validator does reject a misspelt field.
        let typo = try await validate(yaml.replacingOccurrences(of: "terminationGracePeriodSeconds", with: "terminationGracePeriodSecond"), in: directory)
        #expect(typo.status != 0, "\(typo.summary)")
    }

    @Test func theGPUOverlayRunsSupervisorsOnGPUNodesNamedAfterTheNode() async throws {
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(try await render("overlays/gpu", json: true).utf8)) as? [[String: Any]])
        func object(_ kind: String, _ name: String) throws -> [String: Any] {
            try #require(objects.first { $0["kind"] as? String == kind && ($0["metadata"] as? [String: Any])?["name"] as? String == name })
        }
        func podSpec(_ object: [String: Any]) -> [String: Any] {
            ((object["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any] ?? [:]
        }
        func container(_ spec: [String: Any]) -> [String: Any] { (spec["containers"] as? [[String: Any]])?.first ?? [:] }

        let pvc = try object("PersistentVolumeClaim", "audiospool-spool")
        #expect(((pvc["spec"] as? [String: Any])?["accessModes"] as? [String]) == ["ReadWriteMany"])

        let gpu = podSpec(try object("DaemonSet", "audiospool-gpu"))
        let supervisor = container(gpu)
        let limits = (supervisor["resources"] as? [String: Any])?["limits"] as? [String: Any]
        #expect(limits?["nvidia.com/gpu"] as? Int == 1)
        let args = supervisor["args"] as? [String] ?? []
        #expect(args.first == "run")
        let host = try #require(args.firstIndex(of: "--host").map { args[$0 + 1] })
        let env = supervisor["env"] as? [[String: Any]] ?? []
        let variable = host.dropFirst(2).dropLast()  // $(NAME)
        let field = env.first { $0["name"] as? String == String(variable) }.flatMap { (($0["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String }
        #expect(field == "spec.nodeName", "--host \(host) is not the node's name")

        let cpu = podSpec(try object("Deployment", "audiospool-cpu"))
        #expect(((container(cpu)["resources"] as? [String: Any])?["limits"] as? [String: Any])?["nvidia.com/gpu"] == nil)
        #expect("\(cpu["affinity"] ?? "")".contains("nvidia.com/gpu.present"), "the CPU supervisors are not kept off GPU nodes")
        // Beside GPU supervisors, the CPU ones take only CPU engines' jobs, each an engine of Engines/.
        func enginesOnly(_ spec: [String: Any]) -> String? {
            (container(spec)["env"] as? [[String: Any]] ?? []).first { $0["name"] as? String == EngineFilter.environmentVariable }?["value"] as? String
        }
        let only = try #require(enginesOnly(cpu), "the CPU supervisors take every engine's jobs")
        let filter = try EngineFilter.parse(only).get()
        #expect(!filter.accepts("xtts") && !filter.accepts("demucs"), "\(only)")
        for name in filter.names { #expect(FileManager.default.fileExists(atPath: Repository.engines + "/\(name)/engine.json"), "\(name)") }
        #expect(enginesOnly(gpu) == nil, "GPU supervisors run every engine")
        // The base alone has no GPU supervisors: its CPU ones run everything.
        let base = try #require(try JSONSerialization.jsonObject(with: Data(try await render("base", json: true).utf8)) as? [[String: Any]])
        let baseCPU = try #require(base.first { $0["kind"] as? String == "Deployment" && ($0["metadata"] as? [String: Any])?["name"] as? String == "audiospool-cpu" })
        #expect(enginesOnly(podSpec(baseCPU)) == nil)

        let serveObject = try object("Deployment", "audiospool-serve")
        let serve = podSpec(serveObject)
        let readiness = (container(serve)["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any]
        #expect(readiness?["path"] as? String == "/readyz")
        let service = try object("Service", "audiospool")
        let selector = (service["spec"] as? [String: Any])?["selector"] as? [String: String] ?? [:]
        let serveLabels = (((serveObject["spec"] as? [String: Any])?["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        #expect(!selector.isEmpty && selector.allSatisfy { serveLabels[$0.key] == $0.value })

        for (name, spec) in [("audiospool-gpu", gpu), ("audiospool-cpu", cpu), ("audiospool-serve", serve)] {
            let claims = (spec["volumes"] as? [[String: Any]] ?? []).compactMap { ($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String }
            #expect(claims == ["audiospool-spool"], "\(name)")
            let grace = spec["terminationGracePeriodSeconds"] as? Double ?? 0
            if name != "audiospool-serve" {
                #expect(grace > SpoolConfig().shutdownGraceSeconds + 30, "\(name): terminationGracePeriodSeconds \(grace)")
                let liveness = ((container(spec)["livenessProbe"] as? [String: Any])?["exec"] as? [String: Any])?["command"] as? [String]
                #expect(liveness?.prefix(2) == ["audiospool", "health"], "\(name)")
            }
        }
    }
}
