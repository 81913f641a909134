/// Builds an HTML document as UTF-8 bytes. Every piece of text and every
/// attribute value goes through `text`/`attribute`, which escape; the only
/// unescaped bytes are the tag names and attribute names written by the
/// renderers themselves (string literals, never data).
public struct HTMLWriter: Sendable {
    public internal(set) var bytes: [UInt8]

    public init(capacity: Int = 16 * 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Markup written by the renderer itself (a literal, never data).
    @inline(__always)
    mutating func raw(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Markup assembled from trusted pieces only (numbers, validated
    /// identifiers already checked to contain no markup characters).
    mutating func rawTrusted(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Text content, escaped, with untrusted control and bidi override
    /// characters neutralised (see `UntrustedText`).
    mutating func text(_ value: String) {
        Self.appendEscaped(value, to: &bytes)
    }

    /// An attribute value (the quotes are written by the caller's literal).
    mutating func attribute(_ value: String) {
        Self.appendEscaped(value, to: &bytes)
    }

    /// Escapes `& < > " '` and replaces what must never reach a page as is:
    /// NUL and other C0/C1 controls (except tab, line feed, carriage
    /// return), and the bidi embedding/override/isolate controls that let a
    /// hostile name reorder the text around it, by U+FFFD.
    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { buffer in appendEscaped(buffer, to: &bytes) }
    }

    /// Copies runs of bytes that need nothing in one go; only the few
    /// special bytes (markup characters, controls, the lead bytes of the
    /// code points we replace) take the slow path.
    static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        var index = 0
        var runStart = 0
        let count = utf8.count
        @inline(__always) func flush(_ end: Int) {
            if end > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<end])) }
        }
        while index < count {
            let byte = utf8[index]
            if byte >= 0x20 && byte != 0x7F && byte != 0x26 && byte != 0x3C && byte != 0x3E && byte != 0x22 && byte != 0x27
                && byte != 0xC2 && byte != 0xE2 {
                index += 1
                continue
            }
            flush(index)
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: [38, 97, 109, 112, 59])  // &amp;
            case UInt8(ascii: "<"): bytes.append(contentsOf: [38, 108, 116, 59])  // &lt;
            case UInt8(ascii: ">"): bytes.append(contentsOf: [38, 103, 116, 59])  // &gt;
            case UInt8(ascii: "\""): bytes.append(contentsOf: [38, 113, 117, 111, 116, 59])  // &quot;
            case UInt8(ascii: "'"): bytes.append(contentsOf: [38, 35, 51, 57, 59])  // &#39;
            case 0x09, 0x0A, 0x0D: bytes.append(byte)
            case 0xC2:
                // U+0080-U+009F (C1 controls) are C2 80..C2 9F.
                if index + 1 < count, utf8[index + 1] < 0xA0 {
                    appendReplacement(&bytes)
                } else {
                    bytes.append(byte)
                    if index + 1 < count { bytes.append(utf8[index + 1]) }
                }
                index += 2
                runStart = min(index, count)
                continue
            case 0xE2:
                // U+202A-U+202E are E2 80 AA..AE; U+2066-U+2069 are E2 81 A6..A9.
                if index + 2 < count {
                    let b1 = utf8[index + 1], b2 = utf8[index + 2]
                    if (b1 == 0x80 && (0xAA...0xAE).contains(b2)) || (b1 == 0x81 && (0xA6...0xA9).contains(b2)) {
                        appendReplacement(&bytes)
                    } else {
                        bytes.append(byte); bytes.append(b1); bytes.append(b2)
                    }
                    index += 3
                } else {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[index..<count]))
                    index = count
                }
                runStart = index
                continue
            default: appendReplacement(&bytes)  // other C0 controls and DEL
            }
            index += 1
            runStart = index
        }
        flush(count)
    }

    // MARK: small element helpers (tags are literals; content is escaped)

    /// `open` + escaped text + `close`, e.g. `wrap("<td>", value, "</td>")`.
    mutating func wrap(_ open: StaticString, _ value: String, _ close: StaticString) {
        raw(open); text(value); raw(close)
    }

    /// `<a href="…">text</a>` for a link built from validated parts.
    mutating func link(_ href: PortalHref, _ label: String, attributes: StaticString = "") {
        raw("<a href=\""); attribute(href.value); raw("\""); raw(attributes); raw(">"); text(label); raw("</a>")
    }

    /// A hidden form field.
    mutating func hidden(_ name: StaticString, _ value: String) {
        raw("<input type=\"hidden\" name=\""); raw(name); raw("\" value=\""); attribute(value); raw("\">")
    }

    /// The CSRF field every POST form carries.
    mutating func csrf(_ token: String) { hidden("csrf", token) }

    /// A number written as decimal digits (never needs escaping).
    mutating func int(_ value: Int) { rawTrusted(String(value)) }

    @inline(__always)
    static func appendReplacement(_ bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
    }
}
