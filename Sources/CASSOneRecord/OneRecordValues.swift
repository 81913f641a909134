import CASSDomain

/// The value syntax of the XML format. Each parser returns nil for anything
/// that is not exactly the documented form; the caller turns nil into F01,
/// F02 or R12 depending on where the value stood.
enum OneRecordValues {
    /// The largest magnitude a CBF amount field holds: XML amounts are held
    /// to it too, so every accepted XML file converts to a CBF.
    static let maxAmountMinor: Int64 = 99_999_999_999
    /// 7 digits of tenths of a kilogram, as in the CBF.
    static let maxWeightTenths: Int64 = 9_999_999

    /// Exactly `count` ASCII digits.
    static func digits(_ text: String, count: Int) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == count else { return nil }
        return number(bytes)
    }

    /// 1 to `maxCount` ASCII digits.
    static func digits(_ text: String, maxCount: Int) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxCount else { return nil }
        return number(bytes)
    }

    private static func number(_ bytes: [UInt8]) -> Int64? {
        var value: Int64 = 0
        for b in bytes {
            guard b >= 48, b <= 57 else { return nil }
            value = value * 10 + Int64(b - 48)
        }
        return value
    }

    /// The code of a code-list IRI: what follows the last `#`.
    static func code(ofIRI iri: String) -> String {
        guard let hash = iri.lastIndex(of: "#") else { return iri }
        return String(iri[iri.index(after: hash)...])
    }

    /// `YYYY-MM-DD` that is a calendar date.
    static func calendarDate(_ text: String) -> CivilDate? {
        CivilDate(iso: Substring(text))
    }

    /// `YYYY-MM-DD`, optionally followed by an `xsd:dateTime` time part,
    /// as `YYYYMMDD` digits. A well-formed non-date (`2026-11-31`) comes
    /// back as its digits: R04 is the engine's to say.
    static func executionDateDigits(_ text: String) -> Int32? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        var digits: Int32 = 0
        for position in 0..<10 where position != 4 && position != 7 {
            let b = bytes[position]
            guard b >= 48, b <= 57 else { return nil }
            digits = digits * 10 + Int32(b - 48)
        }
        guard bytes.count == 10 || isTimePart(bytes[10...]) else { return nil }
        return digits
    }

    /// `Thh:mm[:ss[.fraction]][Z|±hh:mm]`
    private static func isTimePart(_ bytes: ArraySlice<UInt8>) -> Bool {
        let pattern = Array(bytes)
        guard pattern.first == UInt8(ascii: "T") else { return false }
        var i = 1
        func twoDigits() -> Bool {
            guard i + 1 < pattern.count, isDigit(pattern[i]), isDigit(pattern[i + 1]) else { return false }
            i += 2
            return true
        }
        guard twoDigits(), i < pattern.count, pattern[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard twoDigits() else { return false }
        if i < pattern.count, pattern[i] == UInt8(ascii: ":") {
            i += 1
            guard twoDigits() else { return false }
            if i < pattern.count, pattern[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < pattern.count, isDigit(pattern[i]) { i += 1 }
                guard i > start else { return false }
            }
        }
        if i == pattern.count { return true }
        if pattern[i] == UInt8(ascii: "Z") { return i + 1 == pattern.count }
        guard pattern[i] == UInt8(ascii: "+") || pattern[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard twoDigits(), i < pattern.count, pattern[i] == UInt8(ascii: ":") else { return false }
        i += 1
        return twoDigits() && i == pattern.count
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// Unsigned decimal with at most `decimals` decimals, scaled to that many.
    static func scaledDecimal(_ text: String, decimals: Int, max: Int64) -> Int64? {
        let bytes = Array(text.utf8)
        var whole = bytes[...]
        var fraction: ArraySlice<UInt8> = []
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) {
            whole = bytes[..<dot]
            fraction = bytes[(dot + 1)...]
            guard !fraction.isEmpty, fraction.count <= decimals else { return nil }
        }
        guard !whole.isEmpty, whole.count <= 12 else { return nil }
        var value: Int64 = 0
        for b in whole + fraction {
            guard isDigit(b) else { return nil }
            value = value * 10 + Int64(b - 48)
        }
        for _ in fraction.count..<decimals { value *= 10 }
        return value <= max ? value : nil
    }

    /// Kilograms with at most one decimal, in tenths.
    static func weightTenths(_ text: String) -> Int64? {
        scaledDecimal(text, decimals: 1, max: maxWeightTenths)
    }

    /// Percent with at most two decimals, in hundredths of a percent.
    static func percentHundredths(_ text: String) -> Int32? {
        scaledDecimal(text, decimals: 2, max: 9999).map { Int32($0) }
    }

    /// Major units with exactly the currency's minor digits.
    static func amount(_ text: String, minorDigits: Int) -> Int64? {
        // A valid amount is at most 14 characters; longer ones could
        // overflow while being parsed.
        guard text.utf8.count <= 18, let value = Money.parseDecimal(Substring(text), digits: minorDigits), abs(value) <= maxAmountMinor else { return nil }
        return value
    }

    /// How a raw value is shown in a rejection: printable ASCII, no commas
    /// (rejections.csv is unquoted), at most `width` characters.
    static func reportable(_ text: String, width: Int) -> String {
        var out = ""
        for b in text.utf8.prefix(width) {
            out.append(b >= 0x20 && b < 0x7F && b != UInt8(ascii: ",") && b != UInt8(ascii: "\"") ? Character(Unicode.Scalar(b)) : "?")
        }
        return out
    }
}
