/// Numbers and dates appended to a byte buffer as text, without a String
/// per value: the document writers (invoice JSON and XML) write hundreds of
/// numbers per invoice line, and building each as a String, then copying
/// it, was most of their cost. Every function writes exactly the
/// characters of its String counterpart (named on each; tested in
/// DecimalBytesTests), into an Array or a `ByteBuffer` (`DecimalSink`;
/// inlinable, so each writer gets its own specialized copy).
public enum DecimalBytes {
    /// `count` spaces (indentation of the XML and JSON documents), copied
    /// from a constant 64 at a time: appending a repeated element cost
    /// about 200 instructions a line.
    @inlinable
    public static func appendSpaces(_ count: Int, to out: inout some DecimalSink) {
        var remaining = count
        spaces.withUTF8Buffer { spaces in
            while remaining > 0 {
                let run = min(remaining, spaces.count)
                out.append(UnsafeBufferPointer(rebasing: spaces[0..<run]))
                remaining -= run
            }
        }
    }

    @usableFromInline
    static var spaces: StaticString { "                                                                " }

    /// `String(value)`, `Int64.min` included (written through its magnitude).
    @inlinable
    public static func append(_ value: Int64, to out: inout some DecimalSink) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, minimumWidth: 1, to: &out)
    }

    /// `Padding.zeros(String(value), to: width)` for a value >= 0: at least
    /// `width` digits, zeros in front. A negative value is written as
    /// `Padding.zeros` would write it (its sign counts in the width).
    @inlinable
    public static func appendZeroPadded(_ value: Int64, width: Int, to out: inout some DecimalSink) {
        guard value >= 0 else {
            appendText(Padding.zeros(String(value), to: width), to: &out)
            return
        }
        appendDigits(value.magnitude, minimumWidth: width, to: &out)
    }

    /// `Money.decimalString(minor, digits: digits)`: `-12.05` for -1205
    /// with 2 digits. Beyond 18 digits a scale no longer fits in 64 bits;
    /// those go through `Money.decimalString` itself (same text, or the
    /// same trap).
    @inlinable
    public static func appendMoney(_ minor: Int64, digits: Int, to out: inout some DecimalSink) {
        guard digits > 0 else {
            append(minor, to: &out)
            return
        }
        guard digits <= 18 else {
            appendText(Money.decimalString(minor, digits: digits), to: &out)
            return
        }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = minor.magnitude
        if minor < 0 { out.append(UInt8(ascii: "-")) }
        appendDigits(magnitude / scale, minimumWidth: 1, to: &out)
        out.append(UInt8(ascii: "."))
        appendDigits(magnitude % scale, minimumWidth: digits, to: &out)
    }

    /// `date.description` (`YYYY-MM-DD`, the year zero-padded to 4).
    /// Fields outside 0...9999, 0...99 take `description` itself.
    @inlinable
    public static func appendDate(_ date: CivilDate, to out: inout some DecimalSink) {
        guard (0...9999).contains(date.year), (0...99).contains(date.month), (0...99).contains(date.day) else {
            appendText(date.description, to: &out)
            return
        }
        appendDigits(UInt64(date.year), minimumWidth: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(UInt64(date.month), minimumWidth: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(UInt64(date.day), minimumWidth: 2, to: &out)
    }

    /// The decimal digits of `value`, zeros in front up to `minimumWidth`:
    /// written from the right into a buffer on the stack, then appended in
    /// one step. Appending zeros as room (a repeated element) and filling
    /// it through the array's buffer cost about 230 instructions a number,
    /// a tenth of the invoice JSON and XML writers.
    @inlinable
    public static func appendDigits(_ value: UInt64, minimumWidth: Int, to out: inout some DecimalSink) {
        // 20 digits hold any UInt64; a wider minimum pads in front first.
        let capacity = 24
        var pad = minimumWidth - capacity
        while pad > 0 {
            out.append(UInt8(ascii: "0"))
            pad -= 1
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { digits in
            guard let base = digits.baseAddress else { return }
            var rest = value
            var at = capacity
            repeat {
                at &-= 1
                base[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            let floor = capacity - min(minimumWidth, capacity)
            while at > floor {
                at &-= 1
                base[at] = UInt8(ascii: "0")
            }
            out.append(UnsafeBufferPointer(start: base + at, count: capacity &- at))
        }
    }

    /// The rare values the fast paths leave to a String (its UTF-8).
    @usableFromInline
    static func appendText(_ text: String, to out: inout some DecimalSink) {
        var copy = text
        copy.withUTF8 { out.append($0) }
    }
}
