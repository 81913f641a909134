import CASSDomain

/// Numbers, amounts, percentages, dates and times in a language's form,
/// from small tables written here (checked against CLDR as ICU prints it).
///
/// Why not Foundation's formatters: they work on Linux, but cost about 4 µs
/// a call plus a formatter per locale and currency, their output moves with
/// the ICU version of the machine, and the page must not differ between two
/// serve processes. These tables are a few lines per language, exact, and
/// tested per language.
///
/// Amounts are written with the ISO currency code (never a symbol: an
/// operator sees many currencies at once, and `¥` is both JPY and CNY) and
/// exactly the currency's minor digits (JPY 0, GBP 2, KWD 3). Arabic uses
/// Western digits with Arabic bidi marks: CLDR's default for `ar` as ICU
/// ships it, and the digits of the documents the same agent downloads.
public struct PortalFormat: Sendable {
    public let language: PortalLanguage
    let decimalMark: String
    let groupMark: String
    /// A number is grouped only from this many digits before the first
    /// group (Spanish: 2, so 1234 but 12.345).
    let minimumGroupingDigits: Int
    let minus: String
    let decimalBytes: [UInt8]
    let groupBytes: [UInt8]

    public init(_ language: PortalLanguage) {
        self.language = language
        switch language {
        case .en, .zhHans, .ja, .ko:
            decimalMark = "."; groupMark = ","; minimumGroupingDigits = 1; minus = "-"
        case .ar:
            decimalMark = "."; groupMark = ","; minimumGroupingDigits = 1; minus = "\u{200E}-"
        case .fr:
            decimalMark = ","; groupMark = "\u{202F}"; minimumGroupingDigits = 1; minus = "-"
        case .es:
            decimalMark = ","; groupMark = "."; minimumGroupingDigits = 2; minus = "-"
        case .de:
            decimalMark = ","; groupMark = "."; minimumGroupingDigits = 1; minus = "-"
        }
        decimalBytes = Array(decimalMark.utf8)
        groupBytes = Array(groupMark.utf8)
    }

    /// An integer count, grouped (`1,234,567`, `1 234 567`, `1.234.567`).
    public func number(_ value: Int) -> String { decimal(Int64(value), digits: 0) }

    /// `minor` with `digits` decimals, grouped, in this language's marks.
    public func decimal(_ minor: Int64, digits: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        if minor < 0 { out.append(contentsOf: minus.utf8) }
        writeUnsigned(minor.magnitude, digits: digits, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the grouped digits of `value` with `digits` decimals into a
    /// byte buffer (the page's own, when rendering a table cell): no
    /// intermediate String, since this runs for every amount of a list.
    func writeUnsigned(_ value: UInt64, digits: Int, into out: inout [UInt8]) {
        // A UInt64 has at most 20 digits; they are produced right to left.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { scratch in
            var magnitude = value
            var position = 24
            for _ in 0..<min(digits, 4) {
                position -= 1
                scratch[position] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            }
            let fractionStart = position
            repeat {
                position -= 1
                scratch[position] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            let wholeCount = fractionStart - position
            let groups = wholeCount >= 3 + minimumGroupingDigits
            for index in 0..<wholeCount {
                if groups && index > 0 && (wholeCount - index) % 3 == 0 { out.append(contentsOf: groupBytes) }
                out.append(scratch[position + index])
            }
            if fractionStart < 24 {
                out.append(contentsOf: decimalBytes)
                for index in fractionStart..<24 { out.append(scratch[index]) }
            }
        }
    }

    /// An amount in minor units of `currency`, with that currency's minor
    /// digits (2 for a code ISO 4217 does not list).
    public func amount(_ minor: Int64, currency: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(40)
        writeAmount(minor, currency: currency, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `amount` written straight into a byte buffer. Its bytes are digits,
    /// marks, no-break spaces, bidi marks and a checked currency code:
    /// nothing that needs HTML escaping.
    func writeAmount(_ minor: Int64, currency: String, into out: inout [UInt8]) {
        let digits = ISO4217.minorDigits(of: currency) ?? 2
        let code = PortalFormat.safeCurrency(currency)
        switch language {
        case .en, .zhHans, .ja, .ko:
            if minor < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: code.utf8)
            out.append(contentsOf: PortalFormat.noBreakSpace)
            writeUnsigned(minor.magnitude, digits: digits, into: &out)
        case .fr, .es, .de, .ar:
            if language == .ar { out.append(contentsOf: PortalFormat.rightToLeftMark) }
            if minor < 0 { out.append(contentsOf: minus.utf8) }
            writeUnsigned(minor.magnitude, digits: digits, into: &out)
            out.append(contentsOf: PortalFormat.noBreakSpace)
            out.append(contentsOf: code.utf8)
        }
    }

    static let noBreakSpace: [UInt8] = Array("\u{00A0}".utf8)
    static let rightToLeftMark: [UInt8] = Array("\u{200F}".utf8)

    /// A percentage from tenths of a percent, one decimal (`85.3%`, `85,3 %`).
    public func percent(tenths: Int64) -> String {
        let number = decimal(tenths, digits: 1)
        switch language {
        case .en, .zhHans, .ja, .ko: return number + "%"
        case .fr, .es, .de: return number + "\u{00A0}%"
        case .ar: return number + "\u{200E}%\u{200E}"
        }
    }

    /// A date in the language's medium form (`Nov 2, 2026`, `2 nov. 2026`,
    /// `02.11.2026`, `2026年11月2日`, `2026/11/02`, `2026. 11. 2.`).
    public func date(_ date: CivilDate) -> String {
        let d = String(date.day), m = String(date.month), y = PortalFormat.pad(date.year, 4)
        let dd = PortalFormat.pad(date.day, 2), mm = PortalFormat.pad(date.month, 2)
        switch language {
        case .en: return PortalFormat.monthsEN[date.month - 1] + " " + d + ", " + y
        case .fr: return d + " " + PortalFormat.monthsFR[date.month - 1] + " " + y
        case .es: return d + " " + PortalFormat.monthsES[date.month - 1] + " " + y
        case .de: return dd + "." + mm + "." + y
        case .zhHans: return y + "年" + m + "月" + d + "日"
        case .ja: return y + "/" + mm + "/" + dd
        case .ko: return y + ". " + m + ". " + d + "."
        case .ar: return dd + "\u{200F}/" + mm + "\u{200F}/" + y
        }
    }

    /// A time of day (UTC) in the language's short form.
    public func time(secondOfDay: Int) -> String {
        let hour = secondOfDay / 3600, minute = PortalFormat.pad(secondOfDay / 60 % 60, 2)
        let hour12 = hour % 12 == 0 ? 12 : hour % 12
        switch language {
        case .en: return String(hour12) + ":" + minute + "\u{202F}" + (hour < 12 ? "AM" : "PM")
        case .ko: return (hour < 12 ? "오전 " : "오후 ") + String(hour12) + ":" + minute
        case .ar: return String(hour12) + ":" + minute + "\u{00A0}" + (hour < 12 ? "ص" : "م")
        case .fr, .es, .de, .zhHans, .ja: return PortalFormat.pad(hour, 2) + ":" + minute
        }
    }

    /// A moment: date, time, and `UTC` (every time in the portal is UTC, as
    /// the service's clock is).
    public func dateTime(_ instant: PortalInstant) -> String {
        let date = self.date(instant.date), time = self.time(secondOfDay: instant.secondOfDay)
        switch language {
        case .en, .es, .de: return date + ", " + time + " UTC"
        case .ar: return date + "\u{060C} " + time + " UTC"
        case .fr, .zhHans, .ja, .ko: return date + " " + time + " UTC"
        }
    }

    /// A currency code as shown: three capital letters, else `???` (a code
    /// is data; it must never carry markup or bidi controls).
    static func safeCurrency(_ code: String) -> String {
        code.utf8.count == 3 && code.utf8.allSatisfy(PortalID.isUpper) ? code : "???"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static let monthsEN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let monthsFR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
    static let monthsES = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]
}
