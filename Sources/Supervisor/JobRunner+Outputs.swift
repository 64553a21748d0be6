import AudioCodec
import EngineProtocol
import Foundation
import Spool

extension JobRunner {
    /// The engine's file, checked to be a regular file inside the work
    /// folder reached without a symlink: its name relative to the job folder.
    func resolveOutput(_ output: OutputFile, work: String, folder: JobFolder, engine: String) throws(JobError) -> String {
        guard Self.isValidOutputName(output.name) else {
            throw JobError(.internal, "engine \(engine) named an output \"\(output.name)\"; names are letters, digits, \"_\" and \"-\"")
        }
        var relative = output.path
        if relative.hasPrefix("/") {
            let real = URL(fileURLWithPath: work).resolvingSymlinksInPath().path
            if relative.hasPrefix(work + "/") {
                relative.removeFirst(work.count + 1)
            } else if relative.hasPrefix(real + "/") {
                relative.removeFirst(real.count + 1)
            } else {
                throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which is outside its work folder")
            }
        }
        let components = relative.split(separator: "/").filter { $0 != "." }
        guard !components.isEmpty, !components.contains("..") else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which is outside its work folder")
        }
        let name = String(work.dropFirst(folder.path.count + 1)) + "/" + components.joined(separator: "/")
        guard (try? folder.directory())?.info(name)?.type == .regular else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which it did not write (or is not a regular file reached without a symlink)")
        }
        return name
    }

    /// Opens `name` in the job folder for decoding, without following a symlink.
    static func openAudio(_ name: String, in folder: JobFolder) throws(AudioError) -> SoundFileReader {
        let fd: Int32
        do {
            fd = try folder.directory().openRegular(name, O_RDONLY)
        } catch {
            throw AudioError(.unreadableInput, "cannot open '\(folder.path)/\(name)': \(error.errno)")
        }
        return try SoundFileReader(descriptor: fd, name: folder.path + "/" + name)
    }

    static func isValidOutputName(_ name: String) -> Bool {
        OutputFile.isValidName(name)
    }
}
