/// The rule for a billing file's name as a sender gives it (`cass submit`,
/// an upload's `?name=`, SFTP): the name travels into rejections.csv, into
/// a report's file name and onto screens, so it must be one plain name.
public enum FileName {
    /// A file system's limit for one name (ext4, XFS, APFS): 255 bytes.
    public static let bytesMax = 255

    /// Why a name is refused; nil when it is acceptable.
    public static func problem(_ name: String) -> String? {
        let bytes = name.utf8.count
        guard bytes > 0 else { return "the file name is empty" }
        guard bytes <= bytesMax else { return "the file name is \(bytes) bytes long; at most \(bytesMax) bytes (UTF-8) are allowed" }
        if let scalar = name.unicodeScalars.first(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) }) {
            return "the file name holds a control character (\(Text.hex(scalar.value))); names are printable text"
        }
        if name.contains("/") || name.contains("\\") {
            return "the file name holds a path separator ('/' or '\\'); give the name of the file, not a path"
        }
        if name == "." || name == ".." { return "'\(name)' is not a file name" }
        if name.unicodeScalars.contains("\u{FFFD}") {
            return "the file name holds U+FFFD (the mark of bytes that were not UTF-8); names are UTF-8 text"
        }
        return nil
    }

    /// Checks a name from raw bytes (a name as a file system or a URL query
    /// gives it): UTF-8 first, then `problem`.
    public static func problem(bytes: [UInt8]) -> String? {
        guard let name = String(validating: bytes, as: UTF8.self) else { return "the file name is not UTF-8 text" }
        return problem(name)
    }
}
