import Foundation

/// RFC 4180 CSV: comma-separated fields, double-quoted when they hold
/// commas, quotes or line breaks, `""` for a quote inside quotes; CRLF or
/// LF line ends; UTF-8 text in any script.
public enum CSV {
    public struct Row: Sendable {
        /// 1-based line number where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public struct SyntaxError: Error, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    /// Every field must be UTF-8 text without control characters (C0, DEL,
    /// C1): reference data that is not text is refused, never repaired.
    /// `allowingLineBreaks` lets a quoted field hold CR and LF (the only
    /// control characters then accepted).
    public static func parse(_ bytes: [UInt8], allowingLineBreaks: Bool = false) throws(SyntaxError) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var index = 0
        var line = 1
        var rowLine = 1
        var column = 1
        // A UTF-8 byte order mark is not part of the first header name.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var fieldStarted = false
        func text() throws(SyntaxError) -> String {
            do {
                return try Text.checked(field, allowingLineBreaks: allowingLineBreaks)
            } catch {
                throw SyntaxError(line: rowLine, column: fields.count + 1, message: error.description)
            }
        }
        func endRow() throws(SyntaxError) {
            if fields.count > 0 || fieldStarted || !field.isEmpty {
                fields.append(try text())
                rows.append(Row(line: rowLine, fields: fields))
            }
            fields = []
            field = []
            fieldStarted = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") && field.isEmpty && !fieldStarted {
                // Quoted field.
                fieldStarted = true
                index += 1
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == UInt8(ascii: "\"") {
                        if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                            field.append(b)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    if b == 10 { line += 1 }
                    field.append(b)
                    index += 1
                }
                if !closed { throw SyntaxError(line: rowLine, column: fields.count + 1, message: "a quoted field is never closed") }
                if index < bytes.count {
                    let next = bytes[index]
                    if next != UInt8(ascii: ",") && next != 10 && next != 13 {
                        throw SyntaxError(line: line, column: fields.count + 1, message: "characters after a closing quote")
                    }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                fields.append(try text())
                field = []
                fieldStarted = true
                column += 1
                index += 1
                fieldStarted = false
                // A trailing comma still means one more (empty) field.
                if index >= bytes.count || bytes[index] == 10 || bytes[index] == 13 { fieldStarted = true }
            case 13:
                // A CR ends a line only as part of CRLF; alone it is a
                // control character inside a field.
                guard index + 1 < bytes.count, bytes[index + 1] == 10 else {
                    throw SyntaxError(line: line, column: fields.count + 1, message: "a carriage return (CR) not followed by a line feed")
                }
                index += 1
            case 10:
                try endRow()
                line += 1
                rowLine = line
                column = 1
                index += 1
            default:
                if byte == UInt8(ascii: "\"") {
                    throw SyntaxError(line: line, column: fields.count + 1, message: "a quote inside an unquoted field")
                }
                field.append(byte)
                index += 1
            }
        }
        try endRow()
        return rows
    }

    /// Quotes a field when RFC 4180 says it must be: it holds a comma, a
    /// quote or a line break (CR or LF). Every CSV OpenCASS writes goes
    /// through here, so no text (a file name above all) can add a field or
    /// a row.
    public static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One CSV row: the fields escaped, comma-separated, LF-terminated.
    public static func row(_ fields: [String]) -> String {
        var out = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            out += escape(field)
        }
        out += "\n"
        return out
    }
}
