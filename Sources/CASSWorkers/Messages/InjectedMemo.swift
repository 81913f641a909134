import CASSDomain
import CASSEngine

/// A memo the service bills without a billing file (cass.files, kind 28):
/// today only the `CCM` of an accepted dispute (reason `DSP`, docs/accounts.md
/// "The memo"). Ingest turns it into one checked memo record under the file
/// name `name`, in the operation's processing order (its ordinal is its own
/// place on cass.files), and remembers the name: a second message of the
/// same name (a retried write, a restarted service, two serve processes
/// noticing one acceptance) bills nothing.
///
/// `period` is the earliest period it may be billed in (the accounts'
/// memo period); ingest bills it in the first period from there on that
/// its operation has not closed by the time the message is handled
/// (docs/decisions.md "The dispute memo's period").
public struct InjectedMemo: Sendable, Hashable, Codable {
    /// `DSP-<dispute id>`: the memo's identity and the file name its line
    /// and any rejection carry.
    public var name: String
    public var country: String
    /// `YYYYMMNN`.
    public var period: Int
    /// `CCM` or `DCM`.
    public var transaction: String
    public var agent: Int64
    public var airline: Int32
    public var serial: Int32
    /// The memo's net due: negative on a `CCM`, positive on a `DCM`.
    public var amountMinor: Int64
    public var currency: String
    /// `YYYYMMDD`: the issue date and route a memo repeats from its AWB.
    public var issueDate: Int
    public var origin: String
    public var destination: String
    public var reasonCode: String

    public init(name: String, country: String, period: Int, transaction: String, agent: Int64, airline: Int32, serial: Int32,
                amountMinor: Int64, currency: String, issueDate: Int, origin: String, destination: String, reasonCode: String) {
        self.name = name
        self.country = country
        self.period = period
        self.transaction = transaction
        self.agent = agent
        self.airline = airline
        self.serial = serial
        self.amountMinor = amountMinor
        self.currency = currency
        self.issueDate = issueDate
        self.origin = origin
        self.destination = destination
        self.reasonCode = reasonCode
    }

    /// The file name of a dispute's memo.
    public static func disputeName(_ disputeID: String) -> String { "DSP-\(disputeID)" }

    /// Names are short printable text without `/` (they become state keys
    /// and report file names).
    public static let nameBytesMax = 80

    /// What is wrong with the message, if anything: a message that does not
    /// describe a billable memo is refused whole (dead letter), never
    /// half-billed.
    func problem(operation: Operation?) -> String? {
        guard !name.isEmpty, name.utf8.count <= Self.nameBytesMax, FileName.problem(name) == nil else { return "memo name '\(name)' is not a file name" }
        guard let operation else { return "memo \(name): operation \(country) is unknown" }
        guard let billing = BillingPeriod(yyyymmnn: period), billing.fits(periodsPerMonth: operation.periodsPerMonth) else {
            return "memo \(name): \(period) is not a period of operation \(country)"
        }
        guard currency == operation.currency else { return "memo \(name): currency \(currency) is not operation \(country)'s \(operation.currency)" }
        switch transaction {
        case "CCM": guard amountMinor < 0 else { return "memo \(name): a CCM's amount is negative" }
        case "DCM": guard amountMinor > 0 else { return "memo \(name): a DCM's amount is positive" }
        default: return "memo \(name): transaction \(transaction) is not a memo"
        }
        guard (1...999).contains(airline), (0...99_999_999).contains(serial), (1...99_999_999_999).contains(agent) else {
            return "memo \(name): airline, AWB serial or agent out of range"
        }
        guard CivilDate(yyyymmdd: issueDate) != nil else { return "memo \(name): issue date \(issueDate) is not a date" }
        for code in [origin, destination, reasonCode] where code.isEmpty || code.utf8.count > 3 || !code.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) }) {
            return "memo \(name): '\(code)' is not a code"
        }
        return nil
    }

    /// The memo as a checked record of period `billed`, as a billing file's
    /// memo record would stand after ingest's checks.
    func checked(ordinal: Int64, billed: BillingPeriod) -> CheckedRecord {
        let prefixText = String(repeating: "0", count: max(0, 3 - String(airline).count)) + String(airline)
        let serialText = String(repeating: "0", count: max(0, 8 - String(serial).count)) + String(serial)
        var record = BillingRecord()
        record.sequence = 1
        record.awbPrefixText = ASCIICode(prefixText)
        record.awbSerialText = ASCIICode(serialText)
        record.airlinePrefix = airline
        record.awbSerial = serial
        record.transaction = transaction == "DCM" ? .dcm : .ccm
        record.agentCode = agent
        record.issueDateDigits = Int32(issueDate)
        record.origin = ASCIICode(origin)
        record.destination = ASCIICode(destination)
        record.indicator = .prepaid
        record.currency = ASCIICode(currency)
        record.netDue = amountMinor
        record.reasonCode = ASCIICode(reasonCode)
        let identity = ReportedIdentity(airline: prefixText, country: country, period: billed.text)
        let source = RecordSource(fileName: name, fileOrdinal: ordinal, sequence: 1, identity: identity,
                                  awbPrefixText: record.awbPrefixText, awbSerialText: record.awbSerialText)
        // Checked by `problem` before.
        let date = CivilDate(yyyymmdd: issueDate) ?? CivilDate(dayNumber: 0)
        return CheckedRecord(source: source, country: country, period: billed, record: record, issueDate: date)
    }
}
