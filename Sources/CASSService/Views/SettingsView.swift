import CASSAccess
import CASSLog
import Foundation

/// Every company's saved settings, as the compacted topic `cass.settings`
/// holds them (the latest record per company; an empty value forgets
/// them). What the settings routes answer and what distribution reads
/// (`distribution`, `formats`).
public final class SettingsView: View, @unchecked Sendable {
    // @unchecked: `saved` is touched only under `lock`.
    private let lock = NSLock()
    private var saved: [CompanyID: CompanySettings] = [:]

    public init() {}

    public var topics: [String] { [ServiceTopics.settings] }

    public func apply(_ record: LogRecord) throws {
        let key = String(decoding: record.key, as: UTF8.self)
        guard let company = CompanyID(key) else {
            throw ServiceError("\(record.topic)[\(record.partition)]@\(record.offset): the key '\(key)' is not a company")
        }
        let settings: CompanySettings?
        if record.value.isEmpty {
            settings = nil
        } else {
            do {
                settings = try JSONDecoder().decode(CompanySettings.self, from: Data(record.value))
            } catch {
                throw ServiceError("\(record.topic)[\(record.partition)]@\(record.offset) (company \(key)) is not a settings record: \(error)")
            }
        }
        lock.lock()
        saved[company] = settings
        lock.unlock()
    }

    /// What the company saved, nil when it never did.
    public func saved(_ company: CompanyID) -> CompanySettings? {
        lock.lock()
        defer { lock.unlock() }
        return saved[company]
    }

    /// Where a company's documents go: the formats it wants and whether
    /// its SFTP outbox receives them (the defaults when it saved nothing:
    /// PDF, by download only).
    public func distribution(_ company: CompanyID) -> (formats: [String], sftp: Bool) {
        let settings = saved(company)
        return (settings?.formats ?? ["pdf"], settings?.distribution.contains("sftp") ?? false)
    }

    /// Every company that saved settings.
    public var companies: [CompanyID] {
        lock.lock()
        defer { lock.unlock() }
        return saved.keys.sorted()
    }
}
