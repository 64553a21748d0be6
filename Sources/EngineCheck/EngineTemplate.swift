import Foundation

/// `audiospool engines new`: a new engine's folder, on the Python SDK, that
/// passes `engines check` as it is. The adapter is a working engine (it
/// beeps once per word) with the places to put a model marked.
public struct EngineTemplate: Sendable {
    public enum Language: String, Sendable, CaseIterable {
        case python
    }

    public let name: String
    public let language: Language

    public init(name: String, language: Language = .python) throws(TemplateError) {
        guard !name.isEmpty, name.count <= 64, !name.hasPrefix("-"), !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") })
        else {
            throw TemplateError("an engine name is 1 to 64 letters, digits, \"_\" and \"-\" (it is also its folder's name), got \"\(name)\"")
        }
        self.name = name
        self.language = language
    }

    /// File name → contents.
    public var files: [String: String] {
        [
            "engine.json": manifest, "engine.py": adapter, "requirements.txt": requirements, "requirements.lock": lock,
            "README.md": readme,
        ]
    }

    /// Writes the files into `directory/name`, which must not exist yet;
    /// returns that folder. Each file is written to a hidden name and renamed.
    @discardableResult
    public func write(into directory: String) throws(TemplateError) -> String {
        let folder = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/" + name
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw TemplateError("\(folder) already exists; choose another name or remove it")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (file, text) in files.sorted(by: { $0.key < $1.key }) {
                let temporary = folder + "/." + file + ".tmp"
                try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, folder + "/" + file) == 0 else { throw TemplateError("cannot rename \(temporary)") }
            }
        } catch let error as TemplateError {
            throw error
        } catch {
            throw TemplateError("cannot write \(folder): \(error.localizedDescription)")
        }
        return folder
    }

    var manifest: String {
        """
        {
          "name": "\(name)",
          "version": "0.1.0",
          "description": "TODO: one line about what \(name) does.",
          "protocol": 1,
          "command": ["python3", "engine.py"],
          "tasks": {
            "tts": {"description": "Speak the text (param speed).", "text": "required",
                    "segment": {"max_chars": 400}}
          },
          "device": "cpu",
          "instances": {"max": 1},
          "timeouts": {"start_s": 120, "run_s": 600, "stall_s": 120, "cancel_s": 5, "shutdown_s": 5},
          "setup": {"python_requirements": "requirements.txt", "python_lock": "requirements.lock"}
        }

        """
    }

    var adapter: String {
        #"""
        """The \#(name) engine (WRITING-AN-ENGINE.md walks through this file).

        It runs on the audiospool SDK (Engines/sdk/audiospool_engine.py, on
        PYTHONPATH when the host starts it). Until a model is wired in, it
        "speaks" one beep per word, so it passes `audiospool engines check`.
        """

        import math
        import struct
        import wave

        from audiospool_engine import BadInput, Engine, serve

        SAMPLE_RATE = 22050


        class \#(name.pythonClassName)(Engine):
            name = "\#(name)"
            version = "0.1.0"
            tasks = ["tts"]
            # Every param run() reads; a job giving another fails as bad_input.
            params = ("speed", "voice")

            def load(self, init):
                # Load the model once, here: init.device is "cpu" or "cuda" (the host
                # sets CUDA_VISIBLE_DEVICES, so the assigned GPU is cuda:0), and
                # init.cpu_threads is this instance's share of the CPU.
                # TODO: self.model = MyModel.load(device=init.device)
                self.model = None

            def info(self):
                return {"sample_rates": [SAMPLE_RATE], "voices": [{"id": "default", "language": "en", "sample_rate": SAMPLE_RATE}]}

            def run(self, job, ctx):
                text = job.require_text()
                speed = job.param("speed", 1.0, float, minimum=0.25, maximum=4.0)
                voice = job.param("voice", "default", str, choices=["default"])
                words = text.split()
                if not words:
                    raise BadInput("the text has no words")
                path = ctx.output("output")
                with wave.open(path, "wb") as out:
                    out.setnchannels(1)
                    out.setsampwidth(2)
                    out.setframerate(SAMPLE_RATE)
                    for done, word in enumerate(words, start=1):
                        ctx.check_cancelled()  # a cancel must be answered within timeouts.cancel_s
                        # TODO: synthesise `word` (or the whole text) with self.model and `voice`.
                        out.writeframes(_beep(300.0 + 40.0 * (len(word) % 10), 0.12 / speed))
                        ctx.progress(done / len(words))
                return path


        def _beep(frequency, seconds):
            count = int(SAMPLE_RATE * seconds)
            step = 2.0 * math.pi * frequency / SAMPLE_RATE
            return b"".join(struct.pack("<h", int(12000 * math.sin(step * n))) for n in range(count))


        if __name__ == "__main__":
            serve(\#(name.pythonClassName)())

        """#
    }

    var requirements: String {
        """
        # The Python packages \(name) needs, one per line (such as
        # onnxruntime>=1.20). After a change, `audiospool engines lock \(name)`
        # writes requirements.lock, from which `audiospool engines setup \(name)`
        # makes its virtual environment.

        """
    }

    /// What `audiospool engines lock` writes for requirements that name no
    /// package, so the new engine has its lock without going online.
    var lock: String {
        """
        # This file was autogenerated by uv via the following command:
        #    audiospool engines lock \(name)

        """
    }

    var readme: String {
        """
        # \(name)

        TODO: what it does, its params and voices, and where its model comes from.

        Check it against PROTOCOL.md before dropping jobs on it:

            audiospool engines lock \(name)     # after changing requirements.txt
            audiospool engines setup \(name)
            audiospool engines check Engines/\(name)

        """
    }
}

public struct TemplateError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}

extension String {
    /// "my-engine" → "MyEngine", a valid Python class name.
    var pythonClassName: String {
        let parts = split(whereSeparator: { $0 == "-" || $0 == "_" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let joined = parts.joined()
        return joined.first?.isNumber == false ? joined : "Engine" + joined
    }
}
