import AudioCodec
import Basics
import Foundation
import Glibc
import Spool

extension PreparedJob {
    /// The job's `inputs.cover`, read as hostile input: opened beneath the
    /// job folder without following a symlink (JobFolder.openInput, which
    /// also holds it to `limits.max_input_bytes`), read once up to
    /// CoverArt's cap, and checked whole as a PNG or JPEG. What it read is
    /// what every output carries: a file swapped later changes nothing.
    /// A picture that is not one fails the job (`bad_input`), naming it.
    static func readCover(_ spec: JobSpec, folder: JobFolder, limits: SpoolLimits) throws(JobError) -> CoverArt? {
        guard let relative = spec.cover else { return nil }
        let field = "inputs.\(JobSpec.coverInput)"
        let data: Data
        do {
            let fd = try folder.openInput(relative, field: field, limits: limits)
            defer { close(fd) }
            data = try FileSystem.readAll(fd, path: folder.path + "/" + relative, limit: CoverArt.maximumBytes)
        } catch let error as DocumentError {
            throw JobError(error)
        } catch let error as FileSystemError where error.errno == .fileTooLarge {
            throw JobError(.badInput, "\(field): \"\(relative)\" is over \(CoverArt.maximumBytes >> 20) MiB, more than a cover picture may be")
        } catch let error as FileSystemError {
            throw JobError(.badInput, "\(field): \"\(relative)\" cannot be read: \(error.errno)")
        } catch {
            throw JobError(.internal, "\(field): \"\(relative)\" cannot be read: \(error)")
        }
        do {
            return try CoverArt(bytes: [UInt8](data))
        } catch {
            throw JobError(.badInput, "\(field): \"\(relative)\" cannot be the cover: \(error.message)")
        }
    }
}
