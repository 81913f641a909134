import CASSDomain

/// Reading what the portal's forms send back: the field values are text
/// the user typed, in their language's habits. Pure helpers for the
/// service's routes.
public enum PortalForms {
    /// An amount typed in major units (`1234.56`, `1234,56`, `１２３４`,
    /// `١٢٣٤٫٥`) to minor units of `currency`. One decimal mark (`.`, `,`
    /// or the Arabic `٫`), no group separators (a `,` is a decimal mark,
    /// never a thousands separator: `1,234` in KWD is 1.234), at most the
    /// currency's minor digits after it, at most 15 digits before it.
    /// Full-width and Arabic-Indic digits are read as ASCII. Spaces around
    /// are ignored; nil for anything else (a sign, an exponent, letters).
    public static func parseAmount(_ text: String, currency: String) -> Int64? {
        guard let digits = ISO4217.minorDigits(of: currency) else { return nil }
        var whole: [UInt8] = [], fraction: [UInt8] = []
        var seenMark = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            var digit: UInt8?
            switch value {
            case 0x30...0x39: digit = UInt8(value - 0x30)
            case 0xFF10...0xFF19: digit = UInt8(value - 0xFF10)
            case 0x0660...0x0669: digit = UInt8(value - 0x0660)
            case 0x06F0...0x06F9: digit = UInt8(value - 0x06F0)
            case 0x2E, 0x2C, 0x066B, 0xFF0E:
                guard !seenMark else { return nil }
                seenMark = true
                continue
            case 0x20, 0x09, 0xA0, 0x202F:
                continue
            default: return nil
            }
            guard let digit else { return nil }
            if seenMark { fraction.append(digit) } else { whole.append(digit) }
        }
        guard !whole.isEmpty || !fraction.isEmpty, whole.count <= 15, fraction.count <= digits else { return nil }
        if seenMark && fraction.isEmpty { return nil }
        var value: Int64 = 0
        for digit in whole { value = value * 10 + Int64(digit) }
        for index in 0..<digits { value = value * 10 + Int64(index < fraction.count ? fraction[index] : 0) }
        return value
    }

    /// The `operations` field: `*` (or empty) for all, else country codes
    /// separated by spaces or commas (`GB FR`). nil when a code is not two
    /// capital letters (after upper-casing).
    public static func parseOperations(_ text: String) -> [String]? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map { $0.uppercased() }
        if parts.isEmpty || parts == ["*"] { return ["*"] }
        guard parts.allSatisfy(PortalID.isCountry) else { return nil }
        var seen = Set<String>()
        return parts.filter { seen.insert($0).inserted }
    }

    /// The `emails` text area: one address per line (commas too).
    public static func parseLines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "," }).map { $0.trimmedSpaces() }.filter { !$0.isEmpty }
    }

    /// A checkbox or radio `true`/`false` field (absent is false).
    public static func parseBool(_ text: String?) -> Bool { text == "true" || text == "on" || text == "1" }
}
