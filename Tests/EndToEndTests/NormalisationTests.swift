import AudioSpoolTestKit
import Foundation
import Testing

/// Loudness normalisation in jobs and in `audiospool encode`, measured by
/// independent meters (ffmpeg's ebur128, sox's stats).
@Suite(.timeLimit(.minutes(6))) struct NormalisationTests {
    let directory = TemporaryDirectory()

    /// One Piper synthesis, five normalised outputs: -16, -19 and -23 LUFS
    /// under ceilings of -1, -1.5 and -2 dBTP, ACX's audiobook preset as the
    /// 192 kbit/s MP3 ACX takes, and an MP3 at -16.
    @Test func piperSpeechReachesEveryTarget() async throws {
        let fixture = try SpoolFixture(config: ["tts_engine": "piper"])
        try fixture.drop(
            "speech.json",
            #"""
            {"engine": "piper", "text": "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith slipped quickly through the glass doors of Victory Mansions.",
             "outputs": [{"format": "wav", "loudness_lufs": -16, "true_peak_db": -1},
                         {"format": "flac", "loudness_lufs": -19, "true_peak_db": -1.5},
                         {"format": "wav", "bit_depth": 24, "loudness_lufs": -23, "true_peak_db": -2},
                         {"format": "mp3", "bitrate_kbps": 192, "loudness": "audiobook"},
                         {"format": "mp3", "loudness_lufs": -16, "true_peak_db": -1}]}
            """#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let result = try #require(fixture.json(.done, "speech", "result.json"), "not done: \(fixture.entries(.failed))")
        let outputs = try #require(result["outputs"] as? [[String: Any]])
        try #require(outputs.count == 5)
        let folder = fixture.spool.path(of: .done, "speech")
        for (output, (target, ceiling)) in zip(outputs.prefix(3), [(-16.0, -1.0), (-19.0, -1.5), (-23.0, -2.0)]) {
            let path = folder + "/" + (output["path"] as? String ?? "")
            let measured = try await Probe.loudness(path)
            #expect(abs(measured.lufs - target) <= 0.5, "\(path): ffmpeg measures \(measured.lufs) LUFS for \(target)")
            #expect(measured.truePeakDB <= ceiling + 0.1, "\(path): true peak \(measured.truePeakDB) over \(ceiling)")
            let reported = try #require(output["loudness_lufs"] as? Double)
            #expect(abs(reported - measured.lufs) <= 0.15, "result.json says \(reported), ffmpeg \(measured.lufs)")
            #expect(output["true_peak_db"] is Double && output["loudness_range_lu"] is Double)
        }
        // Piper peaks near full scale: -16 LUFS needs the limiter, -23 does not.
        #expect((outputs[0]["limiter_max_db"] as? Double ?? 0) > 1, "\(outputs[0])")
        #expect(outputs[2]["limiter_max_db"] == nil, "\(outputs[2])")

        // The MP3 moves only by the codec's own change: as much as the -16
        // WAV moves when ffmpeg's LAME encodes it at the same bit rate.
        let mp3 = try await Probe.loudness(folder + "/" + (outputs[4]["path"] as? String ?? ""))
        let reference = directory.file("reference.mp3")
        let lame = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", folder + "/" + (outputs[0]["path"] as? String ?? ""), "-c:a", "libmp3lame", "-b:a", "128k", reference])
        #expect(lame.status == 0, "\(lame.summary)")
        let codec = try await Probe.loudness(reference)
        #expect(abs(mp3.lufs - codec.lufs) <= 0.2 && mp3.truePeakDB <= codec.truePeakDB + 0.2, "ours \(mp3), the WAV through LAME \(codec)")

        let book = folder + "/" + (outputs[3]["path"] as? String ?? "")
        let stats = try await Speech.soxStats(book)
        #expect(stats.rmsDB >= -23 && stats.rmsDB <= -18, "ACX: RMS \(stats.rmsDB) dB is outside -23 to -18")
        #expect(stats.peakDB <= -3, "ACX: peak \(stats.peakDB) dBFS is over -3")
        let reportedRMS = try #require(outputs[3]["rms_db"] as? Double)
        let reportedPeak = try #require(outputs[3]["peak_db"] as? Double)
        // Measured before the MP3 encoder, whose lowpass and padding lower both
        // a little (about 0.5 dB on Piper's voice).
        #expect(abs(reportedRMS - stats.rmsDB) <= 0.75 && abs(reportedPeak - stats.peakDB) <= 0.75, "\(outputs[3]) against sox's \(stats)")
    }

    @Test func encodeTakesAPresetAndPrintsWhatItMeasured() async throws {
        let input = directory.file("speech.wav")
        try await Speech.espeak(input)
        let output = directory.file("speech.flac")
        var result = try await ChildProcess.run(Repository.executable, ["encode", input, output, "--loudness", "broadcast"])
        #expect(result.status == 0, "\(result.summary)")
        let measured = try await Probe.loudness(output)
        #expect(abs(measured.lufs + 23) <= 0.5)
        let printed = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("loudness_lufs ") }, "\(result.stdout)")
        let lufs = Double(printed.dropFirst("loudness_lufs ".count).prefix { $0 != "," }) ?? 0
        #expect(abs(lufs - measured.lufs) <= 0.15, "printed \(printed), ffmpeg \(measured.lufs)")
        result = try await ChildProcess.run(Repository.executable, ["encode", input, output, "--loudness", "loud"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--loudness must be one of \"podcast\", \"audiobook\", \"broadcast\""), "\(result.stderr)")
    }

    /// Memory does not grow with length: the peak RSS of `audiospool encode`
    /// normalising 3 hours is that of 10 minutes. 8 kHz mono pink noise on
    /// tmpfs keeps it quick; at -16 LUFS the limiter works on every peak.
    @Test func threeHoursTakeTheMemoryOfTenMinutes() async throws {
        let folder = TemporaryDirectory(in: "/dev/shm")
        var peaks: [Double: Int] = [:]
        for minutes in [10.0, 180.0] {
            let input = folder.file("\(Int(minutes)).wav")
            try await Speech.pinkNoise(input, seconds: minutes * 60, rate: 8000, channels: 1)
            let output = folder.file("\(Int(minutes)).flac")
            let result = try await ChildProcess.run(
                "/usr/bin/time", ["-f", "peak_rss_kb %M", Repository.executable, "encode", input, output, "--loudness", "podcast"])
            #expect(result.status == 0, "\(result.summary)")
            let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("peak_rss_kb ") })
            peaks[minutes] = Int(line.dropFirst("peak_rss_kb ".count))
            #expect(result.stdout.contains("limiter_max_db"), "\(result.stdout)")
            unlink(input)
        }
        let short = try #require(peaks[10.0])
        let long = try #require(peaks[180.0])
        #expect(long <= short + 2048, "peak RSS \(long) KB for 3 h, \(short) KB for 10 min")
    }
}
