import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// A cover is a whole PNG or JPEG: pictures ffmpeg writes are taken, the
/// same bytes cut short or changed are not, and the message says how.
@Suite(.timeLimit(.minutes(2))) struct CoverArtTests {
    let directory = TemporaryDirectory()

    func picture(_ ext: String) async throws -> [UInt8] {
        let path = directory.file("cover.\(ext)")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=32x20", "-frames:v", "1", path])
        #expect(made.status == 0, "\(made.stderr)")
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try CoverArt(bytes: bytes)
            return nil
        } catch {
            return error.message
        }
    }

    @Test(arguments: ["png", "jpg"]) func aWholePictureIsACover(ext: String) async throws {
        let cover = try CoverArt(bytes: try await picture(ext))
        #expect(cover.width == 32 && cover.height == 20)
    }

    @Test func aPngCutShortOrChangedIsRefused() async throws {
        let bytes = try await picture("png")
        #expect(refusal(Array(bytes.prefix(bytes.count / 2)))?.contains("cut short") == true)
        #expect(refusal(Array(bytes.dropLast(12)))?.contains("no IEND") == true)
        var changed = bytes
        changed[bytes.count / 2] ^= 0xFF  // inside the image data
        #expect(refusal(changed)?.contains("fails its CRC") == true, "\(refusal(changed) ?? "taken")")
    }

    @Test func aJpegCutShortIsRefused() async throws {
        let bytes = try await picture("jpg")
        #expect(refusal(Array(bytes.dropLast(2)))?.contains("end-of-image") == true)
        #expect(refusal(Array(bytes.prefix(bytes.count / 2)))?.contains("cut short") == true)
        #expect(refusal(Array(bytes.prefix(40)))?.contains("damaged") == true, "no frame header yet: \(refusal(Array(bytes.prefix(40))) ?? "taken")")
    }

    @Test func textIsNoPicture() {
        #expect(refusal(Array("hello, I am not a picture\n".utf8))?.contains("JPEG or PNG") == true)
    }
}
