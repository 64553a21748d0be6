import AudioCodec
import Basics
import EngineProtocol

/// What an engine made for a job, ready to encode.
struct EngineRun: Sendable {
    var audio: [EngineAudio]
    var engine: EngineInfo
    var device: RunDevice
    /// The run's `details`, for result.json (none for segmented runs).
    var details: [String: JSONValue]? = nil
}

/// Where a job ran: `cpu` or `cuda:<index>`, and why it ran on the CPU
/// when its engine prefers a GPU (result.json's `fallback_reason`).
struct RunDevice: Sendable, Equatable {
    var name: String
    var fallbackReason: String?
}

/// One stream of audio to encode: an engine's WAV file, or a job's
/// segments stitched together.
struct EngineAudio: Sendable {
    /// The output's name: `output.mp3`, `vocals.flac`, …
    var name: String
    /// For error messages: the file, or "N segments".
    var description: String
    /// The engine's file, relative to the job folder, when the audio is one
    /// file (not stitched segments): a WAV that already is the requested
    /// output is linked into place instead of encoded (WavPassthrough).
    var file: String? = nil
    /// Opens the audio (again, for a measuring pass).
    var makeSource: @Sendable () throws(AudioError) -> any AudioSource
}
