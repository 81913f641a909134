/// Cookie header parsing and Set-Cookie building (RFC 6265 §4).
public enum Cookies {
    /// The cookies of a `Cookie` header (`a=1; b="2"`). Pairs that break the
    /// grammar (a name that is not a token, a value with a space, comma,
    /// semicolon, backslash, control character or unbalanced quote) are
    /// skipped rather than failing the request: browsers carry cookies set
    /// by other software on the same host, and one bad cookie must not lock
    /// a user out. A repeated name keeps its first value (RFC 6265 §5.4:
    /// the more specific cookie comes first).
    public static func parse(_ header: String) -> [String: String] {
        var cookies: [String: String] = [:]
        for part in header.split(separator: ";", omittingEmptySubsequences: true) {
            let pair = String(part).trimmingOWS()
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            var value = Substring(pair[pair.index(after: equals)...])
            guard ByteClass.isToken(name) else { continue }
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { continue }
                value = value.dropFirst().dropLast()
            }
            guard value.utf8.allSatisfy(isCookieOctet) else { continue }
            if cookies[name] == nil { cookies[name] = String(value) }
        }
        return cookies
    }

    /// cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`.
    static func isCookieOctet(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x2b).contains(byte) || (0x2d...0x3a).contains(byte) || (0x3c...0x5b).contains(byte) || (0x5d...0x7e).contains(byte)
    }

    public enum SameSite: String, Sendable { case strict = "Strict", lax = "Lax", none = "None" }

    /// A `Set-Cookie` value. Nil when the name is not a token or the value
    /// has a character a cookie cannot carry (encode it first, e.g. base64url).
    public static func setCookie(name: String, value: String, path: String = "/", maxAgeSeconds: Int? = nil,
                                 httpOnly: Bool = true, secure: Bool = true, sameSite: SameSite = .strict) -> String? {
        guard ByteClass.isToken(name), value.utf8.allSatisfy(isCookieOctet),
              path.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ";") }) else { return nil }
        var parts = ["\(name)=\(value)", "Path=\(path)"]
        if let maxAgeSeconds { parts.append("Max-Age=\(max(0, maxAgeSeconds))") }
        if httpOnly { parts.append("HttpOnly") }
        if secure { parts.append("Secure") }
        parts.append("SameSite=\(sameSite.rawValue)")
        return parts.joined(separator: "; ")
    }
}
