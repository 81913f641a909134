/// The rejection codes of billing-file.md. File-level codes reject the whole
/// file; record-level codes reject one billing record with its OCH lines.
public enum RejectionCode: String, Sendable, Hashable, CaseIterable, Codable {
    case F01, F02, F03, F04, F05, F06, F07, F08
    case R01, R02, R03, R04, R05, R06, R07, R08, R09, R10, R11, R12

    public var isFileLevel: Bool { rawValue.hasPrefix("F") }

    /// Position in the spec's precedence list: lower wins when a file or a
    /// record has several errors.
    public var precedence: Int {
        switch self {
        case .F06: 0
        case .F01: 1
        case .F05: 2
        case .F02: 3
        case .F03: 4
        case .F07: 5
        case .F08: 6
        case .F04: 7
        case .R12: 0
        case .R03: 1
        case .R06: 2
        case .R01: 3
        case .R02: 4
        case .R04: 5
        case .R05: 6
        case .R09: 7
        case .R07: 8
        case .R08: 9
        case .R10: 10
        case .R11: 11
        }
    }

    public var summary: String {
        switch self {
        case .F01: "header missing, not first, or malformed"
        case .F02: "trailer missing, not last, or malformed"
        case .F03: "trailer count or control totals disagree with the records"
        case .F04: "duplicate file: already accepted for this airline, operation, period and file sequence"
        case .F05: "unsupported format version"
        case .F06: "physical layout: record length, character set, record type, sequence or OCH placement"
        case .F07: "currency unknown, wrong minor-unit digits, or not the operation's settlement currency"
        case .F08: "period closed, operation unknown, or airline not a CASS participant there"
        case .R01: "AWB serial check digit wrong"
        case .R02: "agent code check digit wrong, or agent not registered and active in this operation"
        case .R03: "airline prefix differs from the header's"
        case .R04: "issue date invalid or later than the file creation date"
        case .R05: "airport code not three letters, or origin equals destination"
        case .R06: "currency differs from the header's"
        case .R07: "commission amount disagrees with weight charge and rate"
        case .R08: "net due disagrees with its amounts (or memo sign/amounts wrong)"
        case .R09: "OCH lines do not sum to OCDC/OCDA"
        case .R10: "duplicate: AWB already billed"
        case .R11: "correction or memo for an AWB never billed, or for another agent"
        case .R12: "malformed field"
        }
    }
}

/// Where a problem was found and what was expected there: enough for an
/// airline's analyst to fix the record without opening the spec.
public struct Problem: Error, Sendable, Hashable, Codable {
    public var code: RejectionCode
    /// Field name as the spec names it (`commission amount`), or empty.
    public var field: String
    /// `112-123` in a CBF, an element path in XML, or empty.
    public var location: String
    public var expected: String
    public var found: String
    public var message: String

    public init(code: RejectionCode, field: String = "", location: String = "", expected: String = "", found: String = "", message: String = "") {
        self.code = code
        self.field = field
        self.location = location
        self.expected = expected
        self.found = found
        self.message = message.isEmpty ? code.summary : message
    }
}

/// One line of rejections.csv plus the detail for the readable report.
public struct Rejection: Sendable, Hashable, Codable {
    public var file: String
    public var airline: String
    public var country: String
    public var period: String
    /// 0 for a file-level rejection.
    public var sequence: Int
    /// `PPP-SSSSSSSS` for a record, empty for a file.
    public var awb: String
    public var problem: Problem

    public init(file: String, airline: String, country: String, period: String, sequence: Int, awb: String, problem: Problem) {
        self.file = file
        self.airline = airline
        self.country = country
        self.period = period
        self.sequence = sequence
        self.awb = awb
        self.problem = problem
    }

    public var code: RejectionCode { problem.code }
}
