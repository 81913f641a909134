import CASSDomain

/// An AWB as the ledger knows it: within its operation (billing-file.md:
/// the same AWB is rightly billed once in the origin country's export
/// operation and once in the destination country's import operation, and
/// neither is a duplicate of the other).
public struct LedgerKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var operation: ASCIICode
    public var awb: AWBKey

    public init(operation: ASCIICode, awb: AWBKey) {
        self.operation = operation
        self.awb = awb
    }

    public init(operation: String, prefix: Int32, serial: Int32) {
        self.init(operation: ASCIICode(operationText: operation), awb: AWBKey(prefix: prefix, serial: serial))
    }

    /// One 64-bit word for the hasher (`word`). Equality still compares
    /// every field; the word only spreads the keys.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(word)
    }

    /// What a `Set` or `Dictionary` of keys hashes (`TableHash`): the
    /// ledger looks up, and the service's undo log inserts, a key per
    /// billed record. Keys that differ differ in `word` unless their
    /// operation codes are longer than two letters.
    public func _rawHashValue(seed: Int) -> Int {
        TableHash.raw(word, seed: seed)
    }

    /// The operation's two letters above the AWB's word (a prefix of 10
    /// bits above a serial of 27).
    @inline(__always) var word: UInt64 {
        operation.packed << 48 ^ awb.word
    }

    public static func < (lhs: LedgerKey, rhs: LedgerKey) -> Bool {
        (lhs.operation, lhs.awb) < (rhs.operation, rhs.awb)
    }

    public var description: String { "\(operation) \(awb)" }
}

extension ASCIICode {
    /// An operation code from its text without an intermediate array: this
    /// runs once per record.
    @inline(__always)
    public init(operationText text: String) {
        var packed: UInt64 = 0
        var length: UInt8 = 0
        for byte in text.utf8 where length < 8 {
            packed = packed << 8 | UInt64(byte)
            length += 1
        }
        self.init(rawPacked: packed, length: length)
    }
}

/// Every billed AWB's history as far as billing needs it, per operation:
/// the agent of its first billing there and its latest accepted version.
/// This is where R10 and R11 are decided and where a `CCA` becomes a
/// difference. No rule compares records of two operations.
public struct AWBLedger: Sendable {
    public struct Entry: Sendable, Hashable {
        public var firstAgent: Int64
        public var weightCharge: Int64
        public var valuationCharge: Int64
        public var otherChargesDueCarrier: Int64
        public var commission: Int64
        public var incentive: Int64
        public var netDue: Int64
        public var issueDate: CivilDate
        /// The last record applied to this AWB: a record at or before it
        /// is a replay after a crash and changes nothing.
        public var lastOrdinal: Int64
        public var lastSequence: Int32

        public init(firstAgent: Int64, weightCharge: Int64, valuationCharge: Int64, otherChargesDueCarrier: Int64, commission: Int64, incentive: Int64, netDue: Int64, issueDate: CivilDate, lastOrdinal: Int64, lastSequence: Int32) {
            self.firstAgent = firstAgent
            self.weightCharge = weightCharge
            self.valuationCharge = valuationCharge
            self.otherChargesDueCarrier = otherChargesDueCarrier
            self.commission = commission
            self.incentive = incentive
            self.netDue = netDue
            self.issueDate = issueDate
            self.lastOrdinal = lastOrdinal
            self.lastSequence = lastSequence
        }
    }

    public enum Outcome: Sendable {
        case billed(BilledLine, Entry)
        case rejected(Problem)
        /// Seen before (a replay): nothing to do.
        case replay
    }

    /// The entries in `shardCount` dictionaries by a hash of the key. One
    /// dictionary of a million AWBs grows by doubling: each step allocates
    /// a new table of hundreds of MB (fresh pages the kernel zeroes) and
    /// rehashes every entry into it, and the last steps stall the stage for
    /// a large part of a second. `cass settle` knows its volume and sizes
    /// the ledger once (`reserve`); the service cannot, and its ledgers
    /// grew this way: over a second of CPU at a 1,000,000-AWB close, most
    /// of it page faults. Shards grow in steps of a few hundred KB, from
    /// memory the allocator reuses, and a copy of the ledger that is
    /// changed copies only the shards it changes.
    private var shards: [[LedgerKey: Entry]]

    public static let shardCount = 256

    public init() { shards = Array(repeating: [:], count: Self.shardCount) }

    public init(entries: [LedgerKey: Entry]) {
        self.init()
        for (key, entry) in entries { shards[Self.shard(of: key)][key] = entry }
    }

    /// A multiplicative hash of the key's word, top bits: AWB serials end
    /// in a check digit and cluster in ranges, so their low bits alone
    /// would fill some shards more than others.
    @inline(__always) static func shard(of key: LedgerKey) -> Int {
        Int(truncatingIfNeeded: (key.word &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    public var count: Int { shards.reduce(0) { $0 + $1.count } }

    /// Every entry (tests and tools; not on any hot path).
    public var entries: [LedgerKey: Entry] {
        var all: [LedgerKey: Entry] = [:]
        all.reserveCapacity(count)
        for shard in shards { all.merge(shard) { first, _ in first } }
        return all
    }

    public mutating func reserve(_ capacity: Int) {
        let each = capacity / Self.shardCount + capacity / (Self.shardCount * 8) + 1
        for index in shards.indices { shards[index].reserveCapacity(each) }
    }

    public subscript(key: LedgerKey) -> Entry? {
        get { shards[Self.shard(of: key)][key] }
        set { shards[Self.shard(of: key)][key] = newValue }
    }

    /// Applies a checked record: R10, R11, then the line it bills. Throws
    /// only when a correction's difference leaves the 64-bit range.
    public mutating func apply(_ checked: CheckedRecord) throws(AmountOverflow) -> Outcome {
        try apply(checked, operation: ASCIICode(operationText: checked.country))
    }

    /// The same, with the record's operation code worked out once by a
    /// caller applying many records of one operation.
    public mutating func apply(_ checked: CheckedRecord, operation: ASCIICode) throws(AmountOverflow) -> Outcome {
        var replaced: Entry?
        return try apply(checked, operation: operation, replaced: &replaced)
    }

    /// The same, also setting `replaced` to the entry the record found
    /// (nil for an AWB not billed before): a caller that records what each
    /// billed line replaced (the service's undo log for withdrawals) gets
    /// it from the lookup `apply` makes anyway, not from a second one.
    public mutating func apply(_ checked: CheckedRecord, operation: ASCIICode, replaced: inout Entry?) throws(AmountOverflow) -> Outcome {
        assert(operation == ASCIICode(operationText: checked.country), "the operation code must be the record's")
        let record = checked.record
        let key = LedgerKey(operation: operation, awb: record.awbKey)
        let shard = Self.shard(of: key)
        let existing = shards[shard][key]
        replaced = existing
        if let existing, (checked.source.fileOrdinal, checked.source.sequence) <= (existing.lastOrdinal, existing.lastSequence) {
            return .replay
        }
        func line(amounts: (Int64, Int64, Int64, Int64, Int64, Int64), taxDate: CivilDate) -> BilledLine {
            BilledLine(
                country: checked.country, period: checked.period, agentCode: record.agentCode, airlinePrefix: record.airlinePrefix,
                awbSerial: record.awbSerial, transaction: record.transaction, fileName: checked.source.fileName,
                fileOrdinal: checked.source.fileOrdinal, sequence: checked.source.sequence, issueDate: checked.issueDate,
                taxDate: taxDate, origin: record.origin, destination: record.destination,
                chargeableWeightTenthsKg: record.chargeableWeightTenthsKg, weightCharge: amounts.0, valuationCharge: amounts.1,
                otherChargesDueCarrier: amounts.2, commission: amounts.3, incentive: amounts.4, amount: amounts.5,
                reasonCode: record.reasonCode, chargesIndicator: record.transaction.isVersion ? record.indicator : nil)
        }
        switch record.transaction {
        case .awb:
            if existing != nil {
                return .rejected(Problem(code: .R10, field: "AWB serial number", location: "pos 10-20", expected: "an AWB not yet billed", found: "'\(checked.source.awbText)'", message: "duplicate: AWB \(checked.source.awbText) was already billed in operation \(checked.country); correct it with a CCA"))
            }
            let entry = Entry(
                firstAgent: record.agentCode, weightCharge: record.weightCharge, valuationCharge: record.valuationCharge,
                otherChargesDueCarrier: record.otherChargesDueCarrier, commission: record.commission, incentive: record.incentive, netDue: record.netDue,
                issueDate: checked.issueDate, lastOrdinal: checked.source.fileOrdinal, lastSequence: checked.source.sequence)
            shards[shard][key] = entry
            let billed = line(amounts: (record.weightCharge, record.valuationCharge, record.otherChargesDueCarrier, record.commission, record.incentive, record.netDue), taxDate: checked.issueDate)
            return .billed(billed, entry)
        case .cca, .dcm, .ccm:
            guard var entry = existing else {
                return .rejected(Problem(code: .R11, field: "AWB serial number", location: "pos 10-20", expected: "an AWB already billed", found: "'\(checked.source.awbText)'", message: "a \(record.transaction.code) for AWB \(checked.source.awbText), which was never billed in operation \(checked.country)"))
            }
            guard entry.firstAgent == record.agentCode else {
                let first = AgentCodeText.format(entry.firstAgent)
                return .rejected(Problem(code: .R11, field: "CASS agent code", location: CBFLayout.Record.agentCode.location, expected: first, found: "'\(AgentCodeText.format(record.agentCode))'", message: "a \(record.transaction.code) for AWB \(checked.source.awbText) names agent \(AgentCodeText.format(record.agentCode)), the AWB was billed to \(first) in operation \(checked.country)"))
            }
            let billed: BilledLine
            if record.transaction == .cca {
                func change(_ corrected: Int64, _ previous: Int64, _ field: String) throws(AmountOverflow) -> Int64 {
                    try Money.subtract(corrected, previous, "the \(field) of the CCA for AWB \(checked.source.awbText) (file \(checked.source.fileName), sequence \(checked.source.sequence)) on "
                                       + AmountOverflow.invoice(agent: record.agentCode, country: checked.country, period: checked.period))
                }
                billed = line(amounts: (
                    try change(record.weightCharge, entry.weightCharge, "weight charge"), try change(record.valuationCharge, entry.valuationCharge, "valuation charge"),
                    try change(record.otherChargesDueCarrier, entry.otherChargesDueCarrier, "OCDC"), try change(record.commission, entry.commission, "commission"),
                    try change(record.incentive, entry.incentive, "incentive"), try change(record.netDue, entry.netDue, "net due")), taxDate: checked.issueDate)
                entry.weightCharge = record.weightCharge
                entry.valuationCharge = record.valuationCharge
                entry.otherChargesDueCarrier = record.otherChargesDueCarrier
                entry.commission = record.commission
                entry.incentive = record.incentive
                entry.netDue = record.netDue
                entry.issueDate = checked.issueDate
            } else {
                billed = line(amounts: (0, 0, 0, 0, 0, record.netDue), taxDate: entry.issueDate)
            }
            entry.lastOrdinal = checked.source.fileOrdinal
            entry.lastSequence = checked.source.sequence
            shards[shard][key] = entry
            return .billed(billed, entry)
        }
    }
}
