/// Where e-mails go: an outbox folder or an SMTP relay.
public protocol MailTransport: Sendable {
    /// One try; the caller retries transient failures.
    func send(_ message: EmailMessage) -> AttemptResult
}

public struct OutboxTransport: MailTransport {
    public var folder: String

    public init(folder: String) { self.folder = folder }

    /// A full disk or a permission problem may be fixed by an operator, so
    /// write failures are worth another try.
    public func send(_ message: EmailMessage) -> AttemptResult {
        do {
            try Outbox.write(message, folder: folder)
            return .success(status: nil)
        } catch {
            return .transient(status: nil, error: "\(error)")
        }
    }
}

public struct SMTPTransport: MailTransport {
    public var client: SMTPClient

    public init(client: SMTPClient) { self.client = client }

    public func send(_ message: EmailMessage) -> AttemptResult {
        do {
            let code = try client.send(message)
            return .success(status: code)
        } catch {
            return error.isTransient
                ? .transient(status: error.code, error: error.description)
                : .permanent(status: error.code, error: error.description)
        }
    }
}
