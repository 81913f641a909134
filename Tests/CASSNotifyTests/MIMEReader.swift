import Foundation

/// A small, independent reader of the messages the module writes, so tests
/// check the wire format rather than trusting the writer's own view.
struct MIMEReader {
    struct Part {
        var headers: [String: String]
        var body: String

        /// The text, decoded by its Content-Transfer-Encoding; CRLF kept.
        var text: String {
            if headers["content-transfer-encoding"] == "base64" {
                let data = Data(base64Encoded: body.components(separatedBy: "\r\n").joined()) ?? Data()
                return String(decoding: data, as: UTF8.self)
            }
            return MIMEReader.decodeQuotedPrintable(body)
        }
    }

    var headers: [String: String]
    var headerOrder: [String]
    var parts: [Part]
    var raw: String

    init?(_ bytes: [UInt8]) {
        raw = String(decoding: bytes, as: UTF8.self)
        guard let split = raw.range(of: "\r\n\r\n") else { return nil }
        (headers, headerOrder) = MIMEReader.parseHeaders(String(raw[..<split.lowerBound]))
        let body = String(raw[split.upperBound...])
        parts = []
        guard let contentType = headers["content-type"], let b = contentType.range(of: "boundary=\"") else { return }
        let rest = contentType[b.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return }
        let boundary = String(rest[..<end])
        let sections = body.components(separatedBy: "\r\n--" + boundary)
        for section in sections.dropFirst() {
            if section.hasPrefix("--") { break }
            let content = section.hasPrefix("\r\n") ? String(section.dropFirst()) : section
            guard let partSplit = content.range(of: "\r\n\r\n") else { continue }
            let (partHeaders, _) = MIMEReader.parseHeaders(String(content[..<partSplit.lowerBound]))
            parts.append(Part(headers: partHeaders, body: String(content[partSplit.upperBound...])))
        }
    }

    /// Unfolds continuation lines; names lowercased.
    static func parseHeaders(_ text: String) -> ([String: String], [String]) {
        var result: [String: String] = [:]
        var order: [String] = []
        var current: (String, String)?
        for line in text.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let open = current {
                current = (open.0, open.1 + line)
                continue
            }
            if let open = current { result[open.0] = open.1; order.append(open.0) }
            guard let colon = line.firstIndex(of: ":") else { current = nil; continue }
            current = (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if let open = current { result[open.0] = open.1; order.append(open.0) }
        return (result, order)
    }

    /// Joins RFC 2047 B-encoded words (whitespace between them is dropped).
    static func decodeEncodedWords(_ text: String) -> String {
        var out: [UInt8] = []
        var rest = Substring(text)
        while let start = rest.range(of: "=?UTF-8?B?") {
            let before = rest[..<start.lowerBound]
            if !before.allSatisfy({ $0 == " " || $0 == "\t" }) { out += Array(before.utf8) }
            guard let end = rest[start.upperBound...].range(of: "?=") else { break }
            out += Array(Data(base64Encoded: String(rest[start.upperBound..<end.lowerBound])) ?? Data())
            rest = rest[end.upperBound...]
        }
        out += Array(rest.utf8)
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < bytes.count, bytes[index + 1] == 13, bytes[index + 2] == 10 { index += 3; continue }
                if index + 2 < bytes.count, let value = UInt8(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                    out.append(value)
                    index += 3
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
