/// A CASS billing period `YYYYMMNN`: NN is the period within the month.
/// Which days it covers depends on the operation (2 or 4 periods a month).
public struct BillingPeriod: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let number: Int

    /// Accepts NN 01...04; whether NN fits the operation is checked against
    /// the operation's periods per month by `fits(periodsPerMonth:)`.
    public init?(year: Int, month: Int, number: Int) {
        guard year >= 1, year <= 9999, month >= 1, month <= 12, number >= 1, number <= 4 else { return nil }
        self.year = year
        self.month = month
        self.number = number
    }

    public init?(yyyymmnn value: Int) {
        self.init(year: value / 10000, month: (value / 100) % 100, number: value % 100)
    }

    public var yyyymmnn: Int { year * 10000 + month * 100 + number }

    public func fits(periodsPerMonth: Int) -> Bool { number <= periodsPerMonth }

    /// The last day of the period: the invoice date.
    public func lastDay(periodsPerMonth: Int) -> CivilDate {
        let monthEnd = CivilDate.daysIn(month: month, year: year)
        let day: Int
        if periodsPerMonth == 2 {
            day = number == 1 ? 15 : monthEnd
        } else {
            switch number {
            case 1: day = 7
            case 2: day = 15
            case 3: day = 23
            default: day = monthEnd
            }
        }
        // Safe: day is within the month by construction.
        return CivilDate(year: year, month: month, day: day) ?? CivilDate(dayNumber: 0)
    }

    /// The first day of the period.
    public func firstDay(periodsPerMonth: Int) -> CivilDate {
        let day: Int
        if periodsPerMonth == 2 {
            day = number == 1 ? 1 : 16
        } else {
            day = [1, 8, 16, 24][max(0, min(3, number - 1))]
        }
        return CivilDate(year: year, month: month, day: day) ?? CivilDate(dayNumber: 0)
    }

    /// The period after this one in an operation's sequence: with 2 periods
    /// a month, 20261102 is followed by 20261201; with 4, 20261102 by
    /// 20261103. Nil after December 9999, or when this period does not fit.
    public func next(periodsPerMonth: Int) -> BillingPeriod? {
        guard periodsPerMonth == 2 || periodsPerMonth == 4, fits(periodsPerMonth: periodsPerMonth) else { return nil }
        if number < periodsPerMonth { return BillingPeriod(year: year, month: month, number: number + 1) }
        return month < 12 ? BillingPeriod(year: year, month: month + 1, number: 1) : BillingPeriod(year: year + 1, month: 1, number: 1)
    }

    public static func < (lhs: BillingPeriod, rhs: BillingPeriod) -> Bool { lhs.yyyymmnn < rhs.yyyymmnn }

    /// `YYYYMMNN`, always eight digits: a year before 1000 keeps its
    /// leading zeros (00170101), so the text reads back as the same period
    /// wherever eight digits are required.
    public var text: String {
        let digits = String(yyyymmnn)
        return digits.utf8.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.utf8.count) + digits
    }

    public var description: String { text }
}
