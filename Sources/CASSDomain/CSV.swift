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

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> [Row] {
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
        func endRow() {
            if fields.count > 0 || fieldStarted || !field.isEmpty {
                fields.append(String(decoding: field, as: UTF8.self))
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
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
                fieldStarted = true
                column += 1
                index += 1
                fieldStarted = false
                // A trailing comma still means one more (empty) field.
                if index >= bytes.count || bytes[index] == 10 || bytes[index] == 13 { fieldStarted = true }
            case 13:
                index += 1
            case 10:
                endRow()
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
        endRow()
        return rows
    }

    /// Quotes a field when RFC 4180 says it must be.
    public static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
