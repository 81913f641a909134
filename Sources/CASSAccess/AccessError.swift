/// One field's problem with a request: problem+json's `errors` items.
public struct FieldError: Sendable, Hashable, Codable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Why a request about users, sessions or activations is refused, with the
/// HTTP status the service answers.
public enum AccessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 400: the body is not the JSON object the route takes.
    case malformed(String)
    /// 401: no valid credentials (the same answer for a wrong username and
    /// a wrong password).
    case unauthorized
    /// 403: the caller may see the object but lacks the right.
    case forbidden(String)
    /// 404: missing, another company's, or outside the caller's operations.
    case notFound
    /// 409: the change contradicts the state (a username taken, the last
    /// admin of a company).
    case conflict(String)
    /// 422: invalid fields.
    case invalid([FieldError])
    /// 429: logins of this username are refused until then.
    case locked(until: Instant)
    /// 503: the kernel gave no random bytes (never happens on a working
    /// Linux; refused rather than weakened).
    case randomUnavailable(String)

    public var status: Int {
        switch self {
        case .malformed: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        case .invalid: return 422
        case .locked: return 429
        case .randomUnavailable: return 503
        }
    }

    /// problem+json's `detail`.
    public var description: String {
        switch self {
        case .malformed(let message): return message
        case .unauthorized: return "invalid credentials"
        case .forbidden(let message): return message
        case .notFound: return "not found"
        case .conflict(let message): return message
        case .invalid(let errors): return errors.map(\.description).joined(separator: "; ")
        case .locked(let until): return "too many failed logins for this username; try again after \(until)"
        case .randomUnavailable(let message): return message
        }
    }

    init(_ decision: Decision) {
        self = decision == .notFound ? .notFound : .forbidden("your role does not allow this")
    }
}
