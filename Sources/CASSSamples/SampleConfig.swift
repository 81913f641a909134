import CASSDomain

/// What to generate. Everything but the seed has a default that gives a
/// small, complete dataset.
public struct SampleConfig: Sendable {
    /// Number of billing records (`AWB` lines: first billings, corrections
    /// and memos) in the regular files. The deliberately broken files add a
    /// few more.
    public var awbs: Int
    public var seed: UInt64
    /// Fraction (0...1) of billing records deliberately broken, and of
    /// files deliberately broken at file level (at least one file per file
    /// code F01-F08 whenever it is above zero). Never used near money.
    public var errorRate: Double
    /// First calendar month of billing; `months` consecutive months follow.
    public var firstYear: Int
    public var firstMonth: Int
    public var months: Int
    /// Active agents generated on top of the fixed cast (whose 18 active
    /// agents bill in every dataset), shared out over the operations by
    /// their billing weight. More agents mean more, smaller invoices for
    /// the same AWBs: the shape of a real period close, where thousands of
    /// agents each bill a few dozen AWBs.
    public var extraAgents: Int

    public static let awbsMax = 5_000_000
    public static let extraAgentsMax = 20_000

    public init(awbs: Int = 300, seed: UInt64 = 1, errorRate: Double = 0.05, firstYear: Int = 2026, firstMonth: Int = 11, months: Int = 3, extraAgents: Int = 0) {
        self.awbs = awbs
        self.seed = seed
        self.errorRate = errorRate
        self.firstYear = firstYear
        self.firstMonth = firstMonth
        self.months = months
        self.extraAgents = extraAgents
    }

    func validated() throws(SampleError) -> SampleConfig {
        guard awbs >= 0, awbs <= Self.awbsMax else { throw .invalidConfig("awbs must be 0...\(Self.awbsMax), got \(awbs)") }
        guard errorRate >= 0, errorRate <= 1 else { throw .invalidConfig("error rate must be 0...1, got \(errorRate)") }
        guard extraAgents >= 0, extraAgents <= Self.extraAgentsMax else { throw .invalidConfig("extra agents must be 0...\(Self.extraAgentsMax), got \(extraAgents)") }
        guard months >= 1, months <= 24 else { throw .invalidConfig("months must be 1...24, got \(months)") }
        guard firstMonth >= 1, firstMonth <= 12, firstYear >= 2000, firstYear <= 9000 else {
            throw .invalidConfig("first month must be a real month from 2000 on, got \(firstYear)-\(firstMonth)")
        }
        return self
    }

    /// `errorRate` as a threshold on a 64-bit random draw, so each decision
    /// is one integer comparison.
    var errorThreshold: UInt64 {
        if errorRate >= 1 { return UInt64.max }
        return UInt64(errorRate * 18_446_744_073_709_551_616.0)
    }
}

public enum SampleError: Error, Sendable, CustomStringConvertible {
    case invalidConfig(String)
    case outputNotEmpty(String)
    case writeFailed(String)

    public var description: String {
        switch self {
        case .invalidConfig(let message): "invalid sample configuration: \(message)"
        case .outputNotEmpty(let path): "\(path) already holds billing files; generate into an empty folder so no stale file mixes in"
        case .writeFailed(let message): "could not write the samples: \(message)"
        }
    }
}

/// One line of the rejections the generated data must produce, in the
/// columns of settlement.md's rejections.csv.
public struct ExpectedRejection: Sendable, Hashable, Comparable {
    public var file: String
    public var airline: String
    public var country: String
    public var period: String
    /// 0 for a file-level rejection.
    public var sequence: Int
    public var code: RejectionCode
    /// `PPP-SSSSSSSS` for a record, empty for a file.
    public var awb: String
    /// What was broken, for people reading the samples.
    public var what: String

    public init(file: String, airline: String, country: String, period: String, sequence: Int, code: RejectionCode, awb: String, what: String = "") {
        self.file = file
        self.airline = airline
        self.country = country
        self.period = period
        self.sequence = sequence
        self.code = code
        self.awb = awb
        self.what = what
    }

    public var csvLine: String {
        [file, airline, country, period, String(sequence), code.rawValue, awb].map(CSV.escape).joined(separator: ",")
    }

    public static func < (lhs: ExpectedRejection, rhs: ExpectedRejection) -> Bool {
        if lhs.file != rhs.file { return lhs.file.utf8.lexicographicallyPrecedes(rhs.file.utf8) }
        return lhs.sequence < rhs.sequence
    }
}

/// What a generation run wrote.
public struct SampleSummary: Sendable {
    /// Every `.cbf` file written, in name order.
    public var files: [String] = []
    public var regularFiles = 0
    public var brokenFiles = 0
    /// `AWB` lines over all files, by transaction.
    public var billingRecords = 0
    public var firstBillings = 0
    public var corrections = 0
    public var debitMemos = 0
    public var creditMemos = 0
    public var otherChargeLines = 0
    /// First billings of an AWB the same airline had already billed in
    /// another operation (legitimate: each operation is its own settlement).
    public var crossOperationBillings = 0
    public var bytes = 0
    /// Injected errors by the code they must be rejected with.
    public var injected: [RejectionCode: Int] = [:]
    /// Every rejection the data must produce, sorted as rejections.csv is.
    public var expectedRejections: [ExpectedRejection] = []

    public var injectedTotal: Int { injected.values.reduce(0, +) }
}
