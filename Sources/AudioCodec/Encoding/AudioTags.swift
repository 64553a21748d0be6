/// Text tags for an output: ID3v2 in MP3, Vorbis comments in FLAC,
/// LIST/INFO in WAV.
public struct AudioTags: Sendable, Equatable {
    public var title: String?
    public var artist: String?
    public var album: String?
    /// "3" or "3/12".
    public var track: String?
    public var comment: String?

    public init(title: String? = nil, artist: String? = nil, album: String? = nil, track: String? = nil, comment: String? = nil) {
        self.title = title
        self.artist = artist
        self.album = album
        self.track = track
        self.comment = comment
    }

    public var isEmpty: Bool { self == AudioTags() }

    /// The tag names accepted from users, in order.
    public static let names = ["title", "artist", "album", "track", "comment"]

    public subscript(name: String) -> String? {
        get {
            switch name {
            case "title": title
            case "artist": artist
            case "album": album
            case "track": track
            case "comment": comment
            default: nil
            }
        }
        set {
            switch name {
            case "title": title = newValue
            case "artist": artist = newValue
            case "album": album = newValue
            case "track": track = newValue
            case "comment": comment = newValue
            default: break
            }
        }
    }
}
