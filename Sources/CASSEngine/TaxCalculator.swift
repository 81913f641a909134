import CASSDomain

/// Which of an operation's tax rules apply to a line, and the tax of a
/// section once its bases are summed.
public enum TaxCalculator {
    /// A rule is one bit of a line's mask; the reference loader refuses an
    /// operation with more rules than that (never drops one in silence).
    public static let maximumRulesPerOperation = ReferenceData.taxRulesPerOperationMax

    public static func ruleMask(for taxDate: CivilDate, rules: [TaxRule]) -> UInt64 {
        precondition(rules.count <= maximumRulesPerOperation, "\(rules.count) tax rules in one operation: at most \(maximumRulesPerOperation) fit a line's mask")
        var mask: UInt64 = 0
        for (index, rule) in rules.enumerated() where rule.applies(on: taxDate) {
            mask |= 1 << UInt64(index)
        }
        return mask
    }

    /// (sum of the rule's base over the section's lines) × rate / 10000,
    /// half away from zero.
    public static func tax(baseSum: Int64, rule: TaxRule) -> Int64 {
        precondition(rule.rateHundredthsPercent >= 0 && rule.rateHundredthsPercent <= TaxRule.rateHundredthsPercentMax,
                     "tax \(rule.code): rate \(rule.rateHundredthsPercent) outside 0-10000 (the reference loader refuses it)")
        let tax = Money.applyRate(baseSum, rateHundredthsPercent: rule.rateHundredthsPercent)
        // At most 100 %: a tax is never larger than its base, nor of the other sign.
        precondition(tax.magnitude <= baseSum.magnitude && (tax == 0 || (tax < 0) == (baseSum < 0)))
        return tax
    }
}
