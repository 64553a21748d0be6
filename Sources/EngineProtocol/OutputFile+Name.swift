import Basics

extension OutputFile {
    /// Names the spool uses for its own files and folders, so no output
    /// may take them (PROTOCOL.md, "run"). Derived from the one list.
    public static var reservedNames: Set<String> { JobFolderNames.reservedStems }

    /// An output name becomes a file name: 1 to 64 ASCII letters, digits,
    /// `_` and `-`, and not one of `reservedNames`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && !reservedNames.contains(name)
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}
