import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// The Demucs engine's block-at-a-time WAV writer (`Engines/demucs/wav_stream.py`),
/// read back by the host's libsndfile: a stem past the RIFF 32-bit sizes
/// (4 GiB: 3.4 hours of float stereo at 44.1 kHz) is RF64, whose sizes a
/// reader finds in `ds64`, and a short one stays a RIFF WAV. The long one is
/// a sparse file: only its header is written.
@Suite(.timeLimit(.minutes(5))) struct DemucsWavStreamTests {
    let directory = TemporaryDirectory()

    static let script = """
        import json, os, sys
        import numpy as np
        from wav_stream import WavReader, WavWriter
        short, long = sys.argv[1], sys.argv[2]
        with WavWriter(short, 44100, 2) as writer:
            writer.write(np.full((1000, 2), 0.25, dtype="f4"))
        writer = WavWriter(long, 44100, 2)
        header = len(writer._header(0))
        writer.frames = 600_000_000
        writer.close()
        os.truncate(long, header + 600_000_000 * 8)
        read = {path: WavReader(path) for path in (short, long)}
        print(json.dumps({"short": read[short].frames, "long": read[long].frames, "first": float(read[short].read(0, 1)[0][0])}))
        """

    @Test func aStemPastFourGiBIsRF64AndTheHostReadsIt() async throws {
        let environment = try await TinyModels.environment("demucs")
        let short = directory.file("short.wav"), long = directory.file("long.wav")
        let run = try await ChildProcess.run(
            environment + "/bin/python", ["-c", Self.script, short, long], environment: ["PYTHONPATH": Repository.engines + "/demucs"])
        try #require(run.status == 0, "\(run.summary)")
        let read = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(read["short"] as? Int == 1000 && read["long"] as? Int == 600_000_000 && read["first"] as? Double == 0.25, "\(read)")

        let magic = { (path: String) in String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(4), as: UTF8.self) }
        let longHead = try FileHandle(forReadingFrom: URL(fileURLWithPath: long)).read(upToCount: 4) ?? Data()
        #expect(try magic(short) == "RIFF" && String(decoding: longHead, as: UTF8.self) == "RF64")
        let shortFile = try SoundFileReader(path: short)
        #expect(shortFile.properties == AudioProperties(sampleRate: 44100, channels: 2, frames: 1000))
        let longFile = try SoundFileReader(path: long)
        #expect(longFile.properties == AudioProperties(sampleRate: 44100, channels: 2, frames: 600_000_000))
    }
}
