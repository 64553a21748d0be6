/// What `audiospool serve` may be asked to hold, and how the OpenAI speech
/// API maps onto engines: config.json's `http` section (SPOOL.md).
public struct HTTPSettings: Sendable, Equatable {
    /// The largest request body: a job with its uploaded inputs.
    public var maxBodyBytes = 200 << 20
    /// The longest a client may take to send a request's head, counted from
    /// the connection or the previous response (so an idle keep-alive
    /// connection is closed after it too): a slow client cannot hold a connection.
    public var headerTimeoutSeconds = 10.0
    /// How fast a request's body must keep coming once its head is in: it
    /// may take `headerTimeoutSeconds` plus a second for each this many
    /// bytes, and is cut (408) past that, so a body sent a byte at a time
    /// cannot hold a connection either (a body that stops outright is cut
    /// after `headerTimeoutSeconds`, the idle timeout).
    public var minBodyBytesPerSecond = 1024
    /// The largest request head (request line and headers); past it, 431.
    public var maxHeaderBytes = 16 << 10
    /// `/v1/audio/speech` callers waiting at once; past it, 429.
    public var maxSpeechWaiters = 16
    /// Pending jobs in new/ past which `/v1/audio/speech` answers 429.
    public var maxQueueDepth = 1000
    /// What a 429 tells the caller to wait.
    public var retryAfterSeconds = 5
    /// The priority speech requests run at (0–9; 9 runs first).
    public var speechPriority = 8
    /// The longest a speech request waits for its job.
    public var speechTimeoutSeconds = 600.0
    /// Stream segmented speech as its segments finish (else: answer when done).
    public var streamSpeech = true
    /// OpenAI model name → engine. Any engine's own name works too.
    public var models: [String: String] = ["tts-1": "piper", "tts-1-hd": "xtts"]
    /// Engine → OpenAI voice name → the engine's voice id. A voice named
    /// here or in `openAIVoices` but not mapped runs the engine's default voice.
    public var voices: [String: [String: String]] = [:]

    /// OpenAI's voice names: accepted by every engine, out of the box.
    public static let openAIVoices = [
        "alloy", "ash", "ballad", "coral", "echo", "fable", "marin", "cedar", "nova", "onyx", "sage", "shimmer", "verse",
    ]

    public init() {}
}
