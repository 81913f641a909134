import CASSDomain
import Foundation

/// One agent company's risk figures as of a day (portal.md "Risk
/// assessment"), in the shape `GET /api/v1/risk` answers.
public struct RiskRow: Sendable, Hashable, Codable {
    public var country: String
    @AgentCodeText public var agent: Int64
    public var exposureMinor: Int64
    public var guaranteeMinor: Int64
    /// exposure × 100 / guarantee in tenths of a percent, rounded half away
    /// from zero; nil when infinite (no guarantee, positive exposure).
    public var ratioTenthsPercent: Int64?
    public var delayDays: Int
    public var grade: RiskGrade

    public init(country: String, agent: Int64, exposureMinor: Int64, guaranteeMinor: Int64, ratioTenthsPercent: Int64?, delayDays: Int, grade: RiskGrade) {
        self.country = country
        self.agent = agent
        self.exposureMinor = exposureMinor
        self.guaranteeMinor = guaranteeMinor
        self.ratioTenthsPercent = ratioTenthsPercent
        self.delayDays = delayDays
        self.grade = grade
    }

    public var account: AccountKey { AccountKey(country: country, agent: agent) }

    /// `83.3`, `0.0`, `1250.0`; nil when infinite.
    public var ratioPercentText: String? {
        ratioTenthsPercent.map { tenths in
            let magnitude = tenths.magnitude
            return (tenths < 0 ? "-" : "") + String(magnitude / 10) + "." + String(magnitude % 10)
        }
    }

    static func tenths(fromDecimalText text: String) -> Int64? {
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : "0"
        guard fraction.utf8.count == 1, let tenth = Int64(fraction), let units = Int64(whole) else { return nil }
        let (scaled, o1) = units.multipliedReportingOverflow(by: 10)
        let (value, o2) = scaled.addingReportingOverflow(tenth)
        guard !o1, !o2 else { return nil }
        return negative ? -value : value
    }

    enum CodingKeys: String, CodingKey { case country, agent, exposureMinor, guaranteeMinor, ratioPercent, delayDays, grade }

    /// `ratioPercent` is a JSON number with one decimal (or null), written
    /// from its exact decimal text, never through a binary float.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(country, forKey: .country)
        try container.encode(_agent, forKey: .agent)
        try container.encode(exposureMinor, forKey: .exposureMinor)
        try container.encode(guaranteeMinor, forKey: .guaranteeMinor)
        if let text = ratioPercentText, let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
            try container.encode(number, forKey: .ratioPercent)
        } else {
            try container.encodeNil(forKey: .ratioPercent)
        }
        try container.encode(delayDays, forKey: .delayDays)
        try container.encode(grade, forKey: .grade)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        country = try container.decode(String.self, forKey: .country)
        _agent = try container.decode(AgentCodeText.self, forKey: .agent)
        exposureMinor = try container.decode(Int64.self, forKey: .exposureMinor)
        guaranteeMinor = try container.decode(Int64.self, forKey: .guaranteeMinor)
        if let number = try container.decodeIfPresent(Decimal.self, forKey: .ratioPercent) {
            guard let tenths = RiskRow.tenths(fromDecimalText: number.description) else {
                throw DecodingError.dataCorruptedError(forKey: .ratioPercent, in: container, debugDescription: "ratioPercent is not a number with at most one decimal: \(number)")
            }
            ratioTenthsPercent = tenths
        } else {
            ratioTenthsPercent = nil
        }
        delayDays = try container.decode(Int.self, forKey: .delayDays)
        grade = try container.decode(RiskGrade.self, forKey: .grade)
    }
}

/// The figures and thresholds of the risk assessment, as plain functions.
public enum RiskRules {
    /// Invoices dated within this many days before today (today − 365 up to
    /// today, both included) count for `delayDays`.
    public static let delayWindowDays = 365

    /// exposure × 1000 / guarantee rounded half away from zero: the ratio in
    /// tenths of a percent. Nil when infinite (guarantee 0, exposure
    /// positive); 0 when both are 0 (nothing is exposed). A ratio beyond the
    /// 64-bit range reads as infinite: it is over every threshold anyway.
    public static func ratioTenthsPercent(exposureMinor: Int64, guaranteeMinor: Int64) -> Int64? {
        if guaranteeMinor <= 0 { return exposureMinor > 0 ? nil : 0 }
        let tenths = Money.divideHalfAwayFromZero(Int128(exposureMinor) * 1000, by: Int128(guaranteeMinor))
        return Int64(exactly: tenths)
    }

    /// D: an invoice in default, or the ratio over 100 % (or infinite);
    /// C: the ratio over 80 % or a delay over 3 days; B: the ratio over 50 %
    /// or any delay; A otherwise. The ratio compared is the rounded one the
    /// row shows, so that a row never shows 100.0 with a grade for "over 100".
    public static func grade(ratioTenthsPercent: Int64?, delayDays: Int, hasDefault: Bool) -> RiskGrade {
        guard let ratio = ratioTenthsPercent else { return .D }
        if hasDefault || ratio > 1000 { return .D }
        if ratio > 800 || delayDays > 3 { return .C }
        if ratio > 500 || delayDays > 0 { return .B }
        return .A
    }

    /// The delay of one invoice with a positive total, as of `today`: from
    /// its remittance date to the date of the payment that completed it, or
    /// to today while unpaid; never below 0.
    public static func delayDays(remittanceDate: CivilDate, completedOn: CivilDate?, today: CivilDate) -> Int {
        let end = completedOn ?? today
        return max(0, end.dayNumber - remittanceDate.dayNumber)
    }
}
