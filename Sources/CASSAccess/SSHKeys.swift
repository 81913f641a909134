import Foundation

/// The body of `PUT /api/v1/users/{username}/ssh-keys`: OpenSSH public key
/// lines (`TYPE BASE64 [COMMENT]`, as in a `.pub` file). Keys end up in
/// the SFTP server's authorized keys, so anything that could add an option
/// there (`command=`, `from=`, a line break in a comment) is refused, not
/// passed on.
public enum SSHKeys {
    public static let keysMax = 32
    public static let lineBytesMax = 16 * 1024
    public static let types: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// The keys, each as `TYPE BASE64` or `TYPE BASE64 COMMENT` with single
    /// spaces; empty lines and `#` lines are skipped. 422 naming the line
    /// for anything else.
    public static func parse(_ body: String) throws(AccessError) -> [String] {
        var keys: [String] = []
        var errors: [FieldError] = []
        // Any line break ends a line (CRLF is one Character in Swift).
        for (index, line) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let field = "line \(index + 1)"
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.utf8.count > lineBytesMax {
                errors.append(FieldError(field: field, message: "longer than \(lineBytesMax) bytes"))
                continue
            }
            if line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
                errors.append(FieldError(field: field, message: "contains control characters"))
                continue
            }
            let parts = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, types.contains(String(parts[0])) else {
                errors.append(FieldError(field: field, message: "must start with a key type (\(types.sorted().joined(separator: ", "))); options are not accepted"))
                continue
            }
            let type = String(parts[0])
            guard let blob = Data(base64Encoded: String(parts[1])), blob.count >= 4 + type.utf8.count,
                  blobType(Array(blob)) == type else {
                errors.append(FieldError(field: field, message: "the key data is not a \(type) public key in base64"))
                continue
            }
            let comment = parts.dropFirst(2).joined(separator: " ")
            keys.append(comment.isEmpty ? "\(type) \(parts[1])" : "\(type) \(parts[1]) \(comment)")
        }
        if keys.count > keysMax { errors.append(FieldError(field: "body", message: "at most \(keysMax) keys")) }
        guard errors.isEmpty else { throw .invalid(errors) }
        return keys
    }

    /// The key type written inside the blob (a length-prefixed string),
    /// which must match the one in front of it.
    private static func blobType(_ blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length > 0, length <= blob.count - 4 else { return nil }
        return String(decoding: blob[4..<4 + length], as: UTF8.self)
    }
}
