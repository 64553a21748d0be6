import AudioCodec
import Spool

/// An encoder output inside a job folder: its temporary is created, and
/// renamed into place, through the folder's descriptor (ConfinedDirectory),
/// so a symlink the submitter planted is never written through.
struct JobFolderOutput: OutputTarget {
    let folder: ConfinedDirectory
    let name: String

    var path: String { folder.full(name) }

    func createTemporary() throws(AudioError) -> (descriptor: Int32, temporary: String) {
        do {
            let (fd, temporary) = try folder.createTemporary(for: name)
            return (fd, temporary)
        } catch {
            throw AudioError(.writeFailed, "cannot create a temporary for '\(path)': \(error.errno)")
        }
    }

    func publish(_ temporary: String) throws(AudioError) {
        do {
            // Never over an entry that appeared meanwhile.
            try folder.rename(temporary, to: name, replacing: false)
        } catch {
            throw AudioError(.writeFailed, "cannot move the output to '\(path)': \(error.errno)")
        }
    }

    func discard(_ temporary: String) {
        try? folder.remove(temporary)
    }
}
