/// A static file the portal serves: its path, type and bytes.
public struct PortalAsset: Sendable {
    public let path: String
    public let contentType: String
    public let bytes: [UInt8]
    /// A strong ETag of the bytes (FNV-1a 64, hex): the pages link to the
    /// asset with `?v=` this value, so the server may cache it for a year.
    public let etag: String

    init(path: String, contentType: String, text: String) {
        self.path = path
        self.contentType = contentType
        self.bytes = Array(text.utf8)
        self.etag = PortalAsset.fnv1a(bytes)
    }

    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The portal's static files. Serve `all` at their `path` (a query such as
/// `?v=` is ignored), with `contentType`, `ETag: "etag"` and a long
/// `Cache-Control` (the pages' links change when the bytes do).
public enum PortalAssets {
    public static let stylesheet = PortalAsset(path: "/static/portal.css", contentType: "text/css; charset=utf-8", text: css)
    public static let script = PortalAsset(path: "/static/portal.js", contentType: "text/javascript; charset=utf-8", text: js)
    public static let all = [stylesheet, script]

    public static func asset(at path: String) -> PortalAsset? {
        let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return all.first { $0.path == bare }
    }

    static let stylesheetHref = PortalHref(trusted: stylesheet.path + "?v=" + stylesheet.etag)
    static let scriptHref = PortalHref(trusted: script.path + "?v=" + script.etag)
}

/// What the service sends with every page, and the checks of values that
/// come back from the browser.
public enum PortalSecurity {
    /// The Content-Security-Policy every page holds to: nothing inline
    /// (no script, no style attribute), nothing from elsewhere, forms
    /// posting only here, never framed.
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    /// Headers for an HTML page (add `Set-Cookie` and the status yourself).
    public static let headers: [(name: String, value: String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    /// A `next` after sign-in: a local absolute path (`/invoices?x=1`),
    /// never `//host`, `/\host`, a scheme, or anything with controls,
    /// spaces, quotes or angle brackets; at most 512 bytes.
    public static func isSafeReturnPath(_ path: String) -> Bool {
        let b = Array(path.utf8)
        guard (1...512).contains(b.count), b[0] == UInt8(ascii: "/") else { return false }
        if b.count > 1, b[1] == UInt8(ascii: "/") || b[1] == UInt8(ascii: "\\") { return false }
        return b.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
                && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "`")
        }
    }
}
