import CASSDomain

/// A moment in UTC, to the second: `submittedAt`, a dispute step's `at`.
public struct PortalInstant: Sendable, Hashable, Comparable {
    public let secondsSince1970: Int64

    public init(secondsSince1970: Int64) { self.secondsSince1970 = secondsSince1970 }

    /// RFC 3339 (`2026-11-02T13:30:00Z`, fractions and offsets accepted).
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 32,
              let date = CivilDate(iso: Substring(String(decoding: b[0..<10], as: UTF8.self))),
              b[13] == 58, b[16] == 58,
              let hour = Self.number(b[11..<13]), let minute = Self.number(b[14..<16]), let second = Self.number(b[17..<19]),
              hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            while index < b.count, PortalID.isDigit(b[index]) { index += 1 }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == 58,
                  let oh = Self.number(b[(index + 1)..<(index + 3)]), let om = Self.number(b[(index + 4)..<(index + 6)]) else { return nil }
            offset = (oh * 60 + om) * 60 * (b[index] == UInt8(ascii: "-") ? -1 : 1)
        default: return nil
        }
        secondsSince1970 = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
    }

    private static func number(_ slice: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in slice {
            guard PortalID.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    public var date: CivilDate {
        CivilDate(dayNumber: Int(secondsSince1970.floorDiv(86_400)))
    }

    public var secondOfDay: Int { Int(secondsSince1970 - Int64(date.dayNumber) * 86_400) }

    /// `2026-11-02T13:30:00Z`, for `<time datetime>`.
    public var rfc3339: String {
        let s = secondOfDay
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(date.description)T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))Z"
    }

    public static func < (a: PortalInstant, b: PortalInstant) -> Bool { a.secondsSince1970 < b.secondsSince1970 }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
