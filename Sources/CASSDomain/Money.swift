/// Money is an `Int64` count of minor units of the operation's currency.
/// These helpers keep rounding and formatting in one place.
public enum Money {
    /// `value * rate / 10000`, rounded half away from zero: how CASS computes
    /// commission and tax from a rate in hundredths of a percent. Computed in
    /// 128 bits so a section's summed base can never overflow.
    public static func applyRate(_ value: Int64, rateHundredthsPercent rate: Int64) -> Int64 {
        let product = Int128(value) * Int128(rate)
        return Int64(clamping: divideHalfAwayFromZero(product, by: 10_000))
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
