/// A same-origin URL path (with query) built only from validated parts:
/// the only kind of value a page puts in `href` or `action`. Identifiers are
/// checked against their formats (`PortalID`) and query values are
/// percent-encoded, so no data can turn a link into `javascript:` or another
/// origin, or smuggle markup.
public struct PortalHref: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public var description: String { value }

    /// A fixed path written in the code (`/files`, `/static/portal.css`).
    public init(_ literal: StaticString) { value = literal.description }

    init(trusted: String) { value = trusted }

    /// Adds query parameters; nil values are left out. Values are
    /// percent-encoded (everything but unreserved characters).
    public func query(_ items: [(String, String?)]) -> PortalHref {
        var out = value
        var first = !value.utf8.contains(UInt8(ascii: "?"))
        for (name, item) in items {
            guard let item else { continue }
            out += first ? "?" : "&"
            first = false
            out += PortalHref.percentEncode(name) + "=" + PortalHref.percentEncode(item)
        }
        return PortalHref(trusted: out)
    }

    /// With a fragment (`#pay`); the fragment must be a literal.
    public func fragment(_ literal: StaticString) -> PortalHref {
        PortalHref(trusted: value + "#" + literal.description)
    }

    public static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }

    // MARK: the portal's paths (see docs/portal.md for the full list)

    public static let home = PortalHref("/")
    public static let login = PortalHref("/login")
    public static let logout = PortalHref("/logout")
    public static let files = PortalHref("/files")
    public static let filesValidate = PortalHref("/files/validate")
    public static let invoices = PortalHref("/invoices")
    public static let disputes = PortalHref("/disputes")
    public static let payments = PortalHref("/payments")
    public static let walletTopups = PortalHref("/wallet/topups")
    public static let directDebit = PortalHref("/settings/direct-debit")
    public static let risk = PortalHref("/risk")
    public static let statistics = PortalHref("/statistics")
    public static let periods = PortalHref("/periods")
    public static let users = PortalHref("/users")
    public static let settings = PortalHref("/settings")
    public static let account = PortalHref("/account")
    public static let accountPassword = PortalHref("/account/password")
    public static let events = PortalHref("/api/v1/events")

    /// `/files/{id}`; nil when the id is not a valid file id.
    public static func file(_ id: String) -> PortalHref? {
        PortalID.isResourceID(id) ? PortalHref(trusted: "/files/" + id) : nil
    }
    public static func fileWithdraw(_ id: String) -> PortalHref? {
        file(id).map { PortalHref(trusted: $0.value + "/withdraw") }
    }
    public static func fileContent(_ id: String) -> PortalHref? {
        PortalID.isResourceID(id) ? PortalHref(trusted: "/api/v1/files/" + id + "/content") : nil
    }
    public static func invoice(_ number: String) -> PortalHref? {
        PortalID.isInvoiceNumber(number) ? PortalHref(trusted: "/invoices/" + number) : nil
    }
    /// The document download (`/api/v1/invoices/{number}/documents/{format}`).
    public static func invoiceDocument(_ number: String, _ format: PortalDocumentFormat) -> PortalHref? {
        PortalID.isInvoiceNumber(number)
            ? PortalHref(trusted: "/api/v1/invoices/" + number + "/documents/" + format.rawValue) : nil
    }
    public static func dispute(_ id: String) -> PortalHref? {
        PortalID.isResourceID(id) ? PortalHref(trusted: "/disputes/" + id) : nil
    }
    public static func disputeAction(_ id: String, _ action: PortalDisputeAction) -> PortalHref? {
        dispute(id).map { PortalHref(trusted: $0.value + "/" + action.rawValue) }
    }
    public static func user(_ username: String) -> PortalHref? {
        PortalID.isUsername(username) ? PortalHref(trusted: "/users/" + username) : nil
    }
    public static func userDelete(_ username: String) -> PortalHref? {
        user(username).map { PortalHref(trusted: $0.value + "/delete") }
    }
    public static func periodClose(country: String, period: String) -> PortalHref? {
        guard PortalID.isCountry(country), PortalID.isPeriod(period) else { return nil }
        return PortalHref(trusted: "/periods/" + country + "/" + period + "/close")
    }
}

/// The document formats of an invoice.
public enum PortalDocumentFormat: String, Sendable, CaseIterable {
    case pdf, xlsx, hot, xml
}

/// What a party does to a dispute, each a POST to `/disputes/{id}/{action}`.
public enum PortalDisputeAction: String, Sendable, CaseIterable {
    case accept, reject, withdraw
}

/// Formats of the identifiers that appear in links. A value that fails is
/// shown as text and never linked.
public enum PortalID {
    /// `{country}{YYYY}{NNNNNN}`: two capital letters and ten digits.
    public static func isInvoiceNumber(_ s: String) -> Bool {
        guard s.utf8.count == 12 else { return false }
        var copy = s
        return copy.withUTF8 { b in
            isUpper(b[0]) && isUpper(b[1]) && b[2...].allSatisfy(isDigit)
        }
    }

    /// Ids the service makes (files, disputes): 1-64 of `A-Z a-z 0-9 _ -`.
    public static func isResourceID(_ s: String) -> Bool {
        let b = s.utf8
        return (1...64).contains(b.count) && b.allSatisfy { isUpper($0) || isLower($0) || isDigit($0) || $0 == 95 || $0 == 45 }
    }

    /// 3-64 of `a-z 0-9 . _ -` (portal.md, Users).
    public static func isUsername(_ s: String) -> Bool {
        let b = s.utf8
        return (3...64).contains(b.count) && b.allSatisfy { isLower($0) || isDigit($0) || $0 == 46 || $0 == 95 || $0 == 45 }
    }

    public static func isCountry(_ s: String) -> Bool {
        let b = s.utf8
        return b.count == 2 && b.allSatisfy(isUpper)
    }

    /// `YYYYMMNN`.
    public static func isPeriod(_ s: String) -> Bool {
        let b = s.utf8
        return b.count == 8 && b.allSatisfy(isDigit)
    }

    /// `PPP-SSSSSSSS`.
    public static func isAWB(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 12 && b[3] == 45 && b[0..<3].allSatisfy(isDigit) && b[4...].allSatisfy(isDigit)
    }

    /// `cass`, `airline-PPP`, `agent-CC-AAAAAAAAAAA`, `agent-group-AAAAAAA`.
    public static func isCompany(_ s: String) -> Bool { PortalCompanyKind(companyID: s) != nil }

    /// A paging cursor: opaque, but limited to URL-safe characters.
    public static func isCursor(_ s: String) -> Bool {
        let b = s.utf8
        return (1...512).contains(b.count)
            && b.allSatisfy { isUpper($0) || isLower($0) || isDigit($0) || $0 == 45 || $0 == 95 || $0 == 46 || $0 == 126 || $0 == 61 }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }
}
