import Foundation

/// The topics access state lives on, with how each is cleaned up.
public enum AccessTopic: String, Sendable, CaseIterable {
    /// Key: username. Value: a `UserRecord`; empty value: deleted.
    case users = "cass.users"
    /// Key: hex SHA-256 of the token. Value: a `Session`; empty: ended.
    case sessions = "cass.sessions"
    /// Key: username. Value: a `LoginFailure`.
    case loginFailures = "cass.login-failures"
    /// Key: the actor's username (empty for none). Value: an `AuditEntry`.
    /// One partition: the trail is read in one order.
    case audit = "cass.audit"

    /// Compacted where the latest value per key is the state.
    public var compacted: Bool { self == .users || self == .sessions }

    /// How long records must stay at least (nil: forever).
    public var retentionMs: Int64? {
        switch self {
        case .users, .sessions, .audit: return nil
        case .loginFailures: return 3_600_000
        }
    }
}

/// Everything that changes access state, as written to its topic. Values
/// are JSON (UTF-8, keys sorted, so the same record is the same bytes);
/// deletions are empty values, which compaction turns into absence.
public enum AccessRecord: Sendable, Hashable {
    case userPut(UserRecord)
    case userDeleted(username: String)
    case sessionStarted(Session)
    case sessionEnded(tokenHash: String)
    case loginFailed(LoginFailure)
    case audit(AuditEntry)

    public var topic: AccessTopic {
        switch self {
        case .userPut, .userDeleted: return .users
        case .sessionStarted, .sessionEnded: return .sessions
        case .loginFailed: return .loginFailures
        case .audit: return .audit
        }
    }

    public var key: String {
        switch self {
        case .userPut(let user): return user.username
        case .userDeleted(let username): return username
        case .sessionStarted(let session): return session.tokenHash
        case .sessionEnded(let tokenHash): return tokenHash
        case .loginFailed(let failure): return failure.username
        case .audit(let entry): return entry.actor
        }
    }

    /// The record's value bytes (empty for a deletion).
    public var value: [UInt8] {
        switch self {
        case .userPut(let user): return AccessRecord.json(user)
        case .sessionStarted(let session): return AccessRecord.json(session)
        case .loginFailed(let failure): return AccessRecord.json(failure)
        case .audit(let entry): return AccessRecord.json(entry)
        case .userDeleted, .sessionEnded: return []
        }
    }

    /// Reads a record back from its topic, key and value. Fails (naming
    /// topic and key) for bytes that are not such a record: the service
    /// must stop rather than build its views on a record it cannot read.
    public static func decode(topic: AccessTopic, key: String, value: [UInt8]) throws(RecordError) -> AccessRecord {
        func read<T: Decodable>(_ type: T.Type) throws(RecordError) -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(value))
            } catch {
                throw RecordError(topic: topic.rawValue, key: key, message: "not a \(T.self) record: \(error)")
            }
        }
        switch topic {
        case .users:
            if value.isEmpty { return .userDeleted(username: key) }
            let user = try read(UserRecord.self)
            guard user.username == key else { throw RecordError(topic: topic.rawValue, key: key, message: "the record names user \(user.username)") }
            return .userPut(user)
        case .sessions:
            if value.isEmpty { return .sessionEnded(tokenHash: key) }
            let session = try read(Session.self)
            guard session.tokenHash == key else { throw RecordError(topic: topic.rawValue, key: key, message: "the record names another token hash") }
            return .sessionStarted(session)
        case .loginFailures:
            return .loginFailed(try read(LoginFailure.self))
        case .audit:
            return .audit(try read(AuditEntry.self))
        }
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Our records are plain strings, numbers and lists: encoding cannot fail.
        return (try? Array(encoder.encode(value))) ?? []
    }
}

public struct RecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var key: String
    public var message: String

    public var description: String { "topic \(topic), key \(key): \(message)" }
}
