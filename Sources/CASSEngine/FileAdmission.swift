import CASSDomain

/// The files accepted so far, by (airline, operation, period, file
/// sequence): what F04 checks against.
public struct FileRegistry: Sendable, Hashable {
    public struct Key: Hashable, Sendable, Codable {
        public var airline: Int32
        public var operation: String
        public var period: Int
        public var fileSequence: Int

        public init(airline: Int32, operation: String, period: Int, fileSequence: Int) {
            self.airline = airline
            self.operation = operation
            self.period = period
            self.fileSequence = fileSequence
        }
    }

    public private(set) var accepted: Set<Key> = []

    public init() {}

    public func contains(_ key: Key) -> Bool { accepted.contains(key) }

    public mutating func insert(_ key: Key) { accepted.insert(key) }

    /// A withdrawn file no longer counts for F04: a corrected file with
    /// its sequence number is accepted.
    public mutating func remove(_ key: Key) { accepted.remove(key) }
}

/// A file that passed every file-level check: its records may be billed.
public struct AdmittedFile: Sendable {
    public var file: BillingFile
    public var operation: Operation
    public var registryKey: FileRegistry.Key
}

/// The file-level checks that need reference data and history, in the
/// spec's order after the reader's: F07, F08, F04.
public enum FileAdmission {
    public static func admit(
        _ file: BillingFile, reference: ReferenceData, closedPeriods: Set<PeriodKey>, registry: FileRegistry
    ) -> Result<AdmittedFile, Problem> {
        let header = file.header
        // F07: the currency itself, then against the operation.
        guard let isoDigits = ISO4217.minorDigits(of: header.currency) else {
            return .failure(Problem(code: .F07, field: "billing currency", location: CBFLayout.Header.currency.location, expected: "an ISO 4217 currency", found: "'\(header.currency)'", message: "currency \(header.currency) is not an ISO 4217 currency"))
        }
        guard isoDigits == header.minorDigits else {
            return .failure(Problem(code: .F07, field: "minor-unit digits", location: "pos 42", expected: "\(isoDigits)", found: "'\(header.minorDigits)'", message: "\(header.currency) has \(isoDigits) minor-unit digits under ISO 4217, the header says \(header.minorDigits)"))
        }
        let operation = reference.operation(header.operation)
        if let operation, operation.currency != header.currency {
            return .failure(Problem(code: .F07, field: "billing currency", location: CBFLayout.Header.currency.location, expected: operation.currency, found: "'\(header.currency)'", message: "operation \(operation.country) settles in \(operation.currency), the file is in \(header.currency)"))
        }
        // F08: operation, participation, closed period.
        guard let operation else {
            return .failure(Problem(code: .F08, field: "CASS operation", location: CBFLayout.Header.operation.location, expected: "a known CASS operation", found: "'\(header.operation)'", message: "operation \(header.operation) is unknown"))
        }
        guard reference.isParticipant(airline: header.airlinePrefix, in: operation.country) else {
            let prefix = Padding.zeros(String(header.airlinePrefix), to: 3)
            return .failure(Problem(code: .F08, field: "airline prefix", location: CBFLayout.Header.airlinePrefix.location, expected: "a CASS participant in \(operation.country)", found: "'\(prefix)'", message: "airline \(prefix) is not a CASS participant in operation \(operation.country)"))
        }
        if closedPeriods.contains(PeriodKey(country: operation.country, period: header.period)) {
            return .failure(Problem(code: .F08, field: "billing period", location: CBFLayout.Header.period.location, expected: "an open period", found: "'\(header.period)'", message: "billing period \(header.period) of operation \(operation.country) is already closed"))
        }
        // F04: duplicate of an accepted file.
        let key = FileRegistry.Key(airline: header.airlinePrefix, operation: operation.country, period: header.period.yyyymmnn, fileSequence: header.fileSequence)
        if registry.contains(key) {
            return .failure(Problem(code: .F04, field: "file sequence number", location: CBFLayout.Header.fileSequence.location, expected: "a file sequence not yet accepted", found: "'\(Padding.zeros(String(header.fileSequence), to: 6))'", message: "duplicate file: airline \(Padding.zeros(String(header.airlinePrefix), to: 3)), operation \(operation.country), period \(header.period), file sequence \(header.fileSequence) was already accepted"))
        }
        return .success(AdmittedFile(file: file, operation: operation, registryKey: key))
    }
}

/// A billing period of one operation.
public struct PeriodKey: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var country: String
    public var period: BillingPeriod

    public init(country: String, period: BillingPeriod) {
        self.country = country
        self.period = period
    }

    public static func < (lhs: PeriodKey, rhs: PeriodKey) -> Bool {
        (lhs.country, lhs.period.yyyymmnn) < (rhs.country, rhs.period.yyyymmnn)
    }

    public var description: String { "\(country) \(period)" }
}
