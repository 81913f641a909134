import CASSDomain

/// Which of an operation's tax rules apply to a line, and the tax of a
/// section once its bases are summed.
public enum TaxCalculator {
    /// Operations with more rules than fit the mask are refused when the
    /// reference data is loaded into the engine (`Settlement.validate`).
    public static let maximumRulesPerOperation = 64

    public static func ruleMask(for taxDate: CivilDate, rules: [TaxRule]) -> UInt64 {
        var mask: UInt64 = 0
        for (index, rule) in rules.enumerated() where index < maximumRulesPerOperation && rule.applies(on: taxDate) {
            mask |= 1 << UInt64(index)
        }
        return mask
    }

    /// (sum of the rule's base over the section's lines) × rate / 10000,
    /// half away from zero.
    public static func tax(baseSum: Int64, rule: TaxRule) -> Int64 {
        Money.applyRate(baseSum, rateHundredthsPercent: rule.rateHundredthsPercent)
    }
}
