/// An error answer: thrown by handlers and by the server itself, sent as
/// `application/problem+json` (RFC 9457) by `Response.problem`.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// One invalid input: which field, and what is wrong with it.
    public struct FieldError: Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPStatus
    /// A URI naming the kind of problem; "about:blank" means the status says it all.
    public var type: String
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    /// Extra response headers (Allow on 405, Retry-After on 429/503, WWW-Authenticate on 401).
    public var headers: HTTPHeaders
    /// Whether the connection must close after the answer (the server sets
    /// it for framing errors, where the rest of the stream cannot be trusted).
    public var closesConnection: Bool

    public init(_ status: HTTPStatus, detail: String, title: String? = nil, type: String = "about:blank",
                errors: [FieldError] = [], headers: HTTPHeaders = HTTPHeaders(), closesConnection: Bool = false) {
        self.status = status
        self.type = type
        self.title = title ?? status.reason
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.closesConnection = closesConnection
    }

    public var description: String { "\(status.code) \(title): \(detail)" }

    public static func badRequest(_ detail: String, errors: [FieldError] = []) -> HTTPError {
        HTTPError(.badRequest, detail: detail, errors: errors)
    }

    public static func badRequest(_ detail: String, field: String, message: String) -> HTTPError {
        HTTPError(.badRequest, detail: detail, errors: [FieldError(field: field, message: message)])
    }

    public static func notFound(_ detail: String = "no such resource") -> HTTPError { HTTPError(.notFound, detail: detail) }
}

/// JSON text written by hand where a fixed field order matters (problem
/// documents), so the server does not depend on an encoder's ordering.
public enum JSONText {
    /// A JSON string literal, quotes included (RFC 8259 §7).
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension HTTPError {
    /// The problem document: type, title, status, detail and, when there
    /// are any, errors as [{field, message}].
    public var problemJSON: String {
        var members = [
            "\"type\":" + JSONText.string(type),
            "\"title\":" + JSONText.string(title),
            "\"status\":\(status.code)",
            "\"detail\":" + JSONText.string(detail),
        ]
        if !errors.isEmpty {
            let list = errors.map { "{\"field\":" + JSONText.string($0.field) + ",\"message\":" + JSONText.string($0.message) + "}" }
            members.append("\"errors\":[" + list.joined(separator: ",") + "]")
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
