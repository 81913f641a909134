/// A sum of money that would leave the 64-bit range. Amounts never wrap:
/// this stops the run (exit 1) with the invoice it concerns, never a result.
public struct AmountOverflow: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }

    /// "the invoice of agent A in operation C, period P": how an invoice is
    /// named before it has a number.
    public static func invoice(agent: Int64, country: String, period: BillingPeriod) -> String {
        "the invoice of agent \(AgentCodeText.format(agent)) in operation \(country), period \(period)"
    }
}

/// Money is an `Int64` count of minor units of the operation's currency.
/// These helpers keep rounding, checked arithmetic and formatting in one place.
public enum Money {
    /// `a - b`, or an `AmountOverflow` saying what was being computed.
    @inline(__always)
    public static func subtract(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(AmountOverflow) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw AmountOverflow("\(what()) leaves the 64-bit range (\(a) - \(b))") }
        return result
    }

    /// `value * rate / 10000`, rounded half away from zero: how CASS computes
    /// commission and tax from a rate in hundredths of a percent. Computed in
    /// 128 bits; with a rate of 0-10000 (all the reference loader and the
    /// billing formats allow) the result's magnitude never exceeds the
    /// value's, so it always fits.
    public static func applyRate(_ value: Int64, rateHundredthsPercent rate: Int64) -> Int64 {
        precondition(rate >= 0 && rate <= 10_000, "rate \(rate) outside 0-10000 hundredths of a percent")
        let product = Int128(value) * Int128(rate)
        let result = divideHalfAwayFromZero(product, by: 10_000)
        // |value × rate / 10000| <= |value| for rate <= 10000.
        assert(result.magnitude <= Int128(value).magnitude)
        return Int64(result)
    }

    public static func divideHalfAwayFromZero(_ numerator: Int128, by divisor: Int128) -> Int128 {
        precondition(divisor > 0)
        let magnitude = numerator.magnitude
        let d = divisor.magnitude
        var quotient = magnitude / d
        if (magnitude % d) * 2 >= d { quotient += 1 }
        return numerator < 0 ? -Int128(quotient) : Int128(quotient)
    }

    /// A minor-unit amount written in major units with the currency's digits:
    /// `12345` with 2 digits is `123.45`, `-5` is `-0.05`, with 0 digits `12345`.
    public static func decimalString(_ minor: Int64, digits: Int) -> String {
        let negative = minor < 0
        let magnitude = minor.magnitude
        guard digits > 0 else { return (negative ? "-" : "") + String(magnitude) }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let whole = magnitude / scale
        let fraction = String(magnitude % scale)
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return (negative ? "-" : "") + String(whole) + "." + padded
    }

    /// Parses a decimal string with exactly `digits` decimals (no exponent,
    /// no separators, optional leading '-'): the XML amount form.
    public static func parseDecimal(_ text: Substring, digits: Int) -> Int64? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return nil }
        var whole = bytes
        var fraction: ArraySlice<UInt8> = []
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) {
            whole = bytes[bytes.startIndex..<dot]
            fraction = bytes[(dot + 1)...]
            guard digits > 0, fraction.count == digits else { return nil }
        } else if digits > 0 {
            return nil
        }
        guard !whole.isEmpty, whole.count <= 15 else { return nil }
        var value: Int64 = 0
        for byte in whole + fraction {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return negative ? -value : value
    }
}
