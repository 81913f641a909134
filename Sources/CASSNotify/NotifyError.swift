/// Errors of the notification module; each says what and where.
public enum NotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    case configuration(String)
    case template(String)
    case smtp(String)
    case outbox(String)
    case connection(String)

    public var description: String {
        switch self {
        case .configuration(let text): "notification configuration: \(text)"
        case .template(let text): "message template: \(text)"
        case .smtp(let text): "SMTP: \(text)"
        case .outbox(let text): "outbox: \(text)"
        case .connection(let text): "connection: \(text)"
        }
    }
}
