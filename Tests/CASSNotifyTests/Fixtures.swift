import CASSDomain
import CASSNotify
import Foundation

enum Fixtures {
    static let period: BillingPeriod = {
        guard let period = BillingPeriod(yyyymmnn: 2026_11_02) else { fatalError("fixture period") }
        return period
    }()
    static let due = CivilDate(dayNumber: CivilDate(yyyymmdd: 2026_12_10)?.dayNumber ?? 0)
    static let agent = "12345678903"

    static let invoice = NotificationEvent.invoiceIssued(.init(
        number: "GB-2026110201-000042", country: "GB", period: period, agentCode: agent,
        totalMinor: 1_234_567, currency: "GBP", minorDigits: 2, dueDate: due))
    static let invoiceYen = NotificationEvent.invoiceIssued(.init(
        number: "JP-2026110201-000001", country: "JP", period: period, agentCode: "98765432105",
        totalMinor: -45_000, currency: "JPY", minorDigits: 0, dueDate: due))
    static let accepted = NotificationEvent.fileAccepted(.init(
        file: "125_GB_2026110201.cbf", airline: "125", country: "GB", period: period, acceptedRecords: 98, rejectedRecords: 2))
    static let rejected = NotificationEvent.fileRejected(.init(
        file: "125_GB_2026110202.cbf", airline: "125", code: "F03", message: "trailer count or control totals disagree with the records"))
    static let closed = NotificationEvent.periodClosed(.init(
        country: "GB", period: period, invoices: 17, totalMinor: 98_765_43, currency: "GBP", minorDigits: 2))

    static let all = [invoice, invoiceYen, accepted, rejected, closed]

    /// Bytes that look like a PDF and cover every byte value, so a base64
    /// round trip that mangles anything shows.
    static let pdf: [UInt8] = Array("%PDF-1.7\n".utf8) + (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) } + Array("\n%%EOF\n".utf8)

    static func temporaryFolder(_ name: String = #function) throws -> String {
        let path = NSTemporaryDirectory() + "cass-notify-\(name.filter(\.isLetter))-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Records the waits instead of sleeping, so backoff is checked exactly
/// and tests stay fast.
final class RecordingSleeper: Sleeper, @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Int] = []
    var delays: [Int] { lock.withLock { waits } }
    func sleep(milliseconds: Int) { lock.withLock { waits.append(milliseconds) } }
}
