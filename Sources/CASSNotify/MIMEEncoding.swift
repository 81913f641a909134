import CASSDomain
import Foundation

/// The encodings an RFC 5322 / MIME message needs. Output lines end in CRLF
/// and never exceed 76 characters, as RFC 2045 asks.
public enum MIMEEncoding {
    public static let lineLengthMax = 76

    /// Base64 in lines of 76 characters, each ended by CRLF.
    public static func base64Lines(_ bytes: some Collection<UInt8>) -> String {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + encoded.count / lineLengthMax * 2 + 2)
        var index = 0
        while index < encoded.count {
            let end = min(index + lineLengthMax, encoded.count)
            out += encoded[index..<end]
            out += [13, 10]
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Quoted-printable (RFC 2045 6.7) of UTF-8 text. Line breaks in the
    /// text (LF or CRLF) become CRLF; long lines get soft breaks (`=`).
    public static func quotedPrintable(_ text: String) -> String {
        var out = ""
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (lineIndex, line) in lines.enumerated() {
            if lineIndex > 0 { out += "\r\n" }
            let bytes = Array(line.utf8)
            var column = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)
                let piece = literal ? String(UnicodeScalar(byte)) : "=" + hexUpper(byte)
                // Room for the piece plus a soft-break "=" unless it ends the line.
                let needed = piece.count + (isLast ? 0 : 1)
                if column + needed > lineLengthMax {
                    out += "=\r\n"
                    column = 0
                }
                out += piece
                column += piece.count
            }
        }
        return out
    }

    /// An unstructured header value (Subject): as is when it is printable
    /// ASCII, otherwise RFC 2047 `=?UTF-8?B?...?=` words of at most 75
    /// characters, split between characters, folded onto continuation lines.
    public static func headerText(_ text: String, nameLength: Int) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        let isPlainASCII = clean.utf8.allSatisfy { $0 >= 32 && $0 < 127 } && !clean.contains("=?")
        if isPlainASCII { return foldASCII(clean, nameLength: nameLength) }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 45 bytes → 60 base64 characters → 72 with the =?UTF-8?B? ?= frame,
        // on a continuation line (one leading space). The first word shares
        // its line with "Name: ", so it gets fewer bytes.
        let firstLineRoom = 78 - (nameLength + 2) - 12
        let firstWordBytes = max(3, min(45, firstLineRoom / 4 * 3))
        for character in clean {
            let bytes = Array(String(character).utf8)
            let limit = words.isEmpty ? firstWordBytes : 45
            if chunk.count + bytes.count > limit, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// A display name in an address header: a quoted string when ASCII,
    /// encoded words otherwise.
    public static func displayName(_ name: String, nameLength: Int = 0) -> String {
        let clean = name.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) && !clean.contains("=?") {
            return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return headerText(clean, nameLength: nameLength)
    }

    /// `Name <address>` for an address header, folded before the address
    /// when the line would pass 78 characters.
    public static func mailbox(name: String?, address: String, nameLength: Int) -> String {
        guard let name, !name.isEmpty else { return address }
        let encoded = displayName(name, nameLength: nameLength)
        let lines = encoded.components(separatedBy: "\r\n")
        let lastLineLength = (lines.count == 1 ? nameLength + 2 : 0) + (lines.last?.count ?? 0)
        let separator = lastLineLength + 3 + address.count > 78 ? "\r\n " : " "
        return encoded + separator + "<" + address + ">"
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Folds at spaces so no line exceeds 78 characters where possible
    /// (RFC 5322 2.1.1); a single longer word stays whole.
    private static func foldASCII(_ text: String, nameLength: Int) -> String {
        var out = ""
        var column = nameLength + 2
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 {
                if column + 1 + word.count > 78 {
                    out += "\r\n "
                    column = 1
                } else {
                    out += " "
                    column += 1
                }
            }
            out += word
            column += word.count
        }
        return out
    }

    private static func hexUpper(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    /// `Thu, 26 Nov 2026 15:31:54 +0000`, computed without locales or
    /// calendars so the text never depends on the machine's settings.
    public static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let civil = CivilDate(dayNumber: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[((days % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(civil.day)) \(months[civil.month - 1]) \(civil.year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }
}
