@testable import Supervisor
import Testing

/// The names OutputEncoder gives the files it writes beside job.json.
@Suite struct OutputEncoderTests {
    @Test func aTakenNameGetsTheNextNumber() {
        #expect(OutputEncoder.freeName("output", extension: "wav", taken: []) == "output.wav")
        #expect(OutputEncoder.freeName("output", extension: "wav", taken: ["output.wav", "output-2.wav"]) == "output-3.wav")
        #expect(OutputEncoder.freeName("output", extension: "mp3", taken: ["output.wav"]) == "output.mp3")
    }
}
