import Foundation

/// Reads another source ahead on a thread of its own, so decoding runs on
/// one core while encoding runs on another. A few chunks ahead at most.
final class PrefetchingSource: AudioSource {
    let properties: AudioProperties
    private let chunks: BoundedQueue<Result<[Float], AudioError>>
    private let spares = Recycler<Float>(limit: 8)
    private var current: [Float] = []
    private var offset = 0
    private var ended = false

    /// An AudioSource is not Sendable; it is used by the reading thread only.
    private final class Box: @unchecked Sendable {
        let source: any AudioSource
        init(_ source: any AudioSource) { self.source = source }
    }

    init(_ source: any AudioSource, chunkFrames: Int = 8192, ahead: Int = 4) {
        properties = source.properties
        let chunks = BoundedQueue<Result<[Float], AudioError>>(capacity: ahead)
        self.chunks = chunks
        let box = Box(source)
        let channels = source.properties.channels
        let spares = spares
        // Appending an array is a copy even in debug builds, where
        // repeatElement's generic iteration costs seconds a file.
        let zeros = [Float](repeating: 0, count: chunkFrames * channels)
        let thread = Thread {
            while true {
                do {
                    var buffer = spares.take()
                    buffer.append(contentsOf: zeros)
                    let frames = try buffer.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try box.source.read(into: pointer) }
                    if frames == 0 { break }
                    buffer.removeLast(buffer.count - frames * channels)
                    guard chunks.push(.success(buffer)) else { return }
                } catch {
                    chunks.push(.failure(error as! AudioError))
                    break
                }
            }
            chunks.close()
        }
        thread.name = "audio-prefetch"
        thread.start()
    }

    deinit {
        chunks.close()  // lets the reading thread stop if we stop early
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let channels = properties.channels
        var filled = 0
        while filled + channels <= buffer.count {
            if offset == current.count {
                guard !ended, let next = chunks.pop() else {
                    ended = true
                    break
                }
                spares.give(current)
                current = try next.get()
                offset = 0
            }
            let count = min(buffer.count - filled, current.count - offset) / channels * channels
            if count == 0 { break }
            current.withUnsafeBufferPointer { source in
                (buffer.baseAddress! + filled).update(from: source.baseAddress! + offset, count: count)
            }
            filled += count
            offset += count
        }
        return filled / channels
    }
}
