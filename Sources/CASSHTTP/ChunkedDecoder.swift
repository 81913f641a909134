/// The chunked transfer coding of request bodies (RFC 9112 §7.1), as a pure
/// state machine over whatever bytes have arrived: it never buffers data
/// itself, it says which input bytes are body data.
public struct ChunkedDecoder: Sendable {
    public struct Limits: Sendable {
        /// A chunk-size line with its extensions, or one trailer line.
        public var lineBytesMax = 4096
        /// All trailer lines together (431 beyond).
        public var trailerBytesMax = 16 * 1024
        public var trailerCountMax = 100
        public init() {}
    }

    public enum Step: Equatable, Sendable {
        /// Nothing can be decoded from the bytes given: read more.
        case needMore
        /// `consumed` input bytes were framing (size line, CRLF, trailer).
        case framing(consumed: Int)
        /// `input[data]` is body data; consume through `data.upperBound`.
        case data(Range<Int>)
        /// The last chunk and the trailers were read, `consumed` bytes of input with them.
        case end(consumed: Int)
    }

    enum State: Sendable, Equatable {
        case size
        case data(remaining: Int64)
        case dataEnd
        case trailers
        case done
    }

    private(set) var state: State = .size
    public private(set) var trailers = HTTPHeaders()
    private var trailerBytes = 0
    let limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    public var isFinished: Bool { state == .done }

    public mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTPError) -> Step {
        switch state {
        case .done:
            return .end(consumed: 0)
        case .data(let remaining):
            guard !input.isEmpty else { return .needMore }
            let take = Int(min(Int64(input.count), remaining))
            state = remaining == Int64(take) ? .dataEnd : .data(remaining: remaining - Int64(take))
            return .data(0..<take)
        case .dataEnd:
            guard input.count >= 2 else { return .needMore }
            guard input[0] == 0x0d, input[1] == 0x0a else { throw ChunkedDecoder.bad("a chunk's data is not followed by CRLF") }
            state = .size
            return .framing(consumed: 2)
        case .size:
            guard let lineEnd = try line(input) else { return .needMore }
            let size = try ChunkedDecoder.chunkSize(UnsafeRawBufferPointer(rebasing: input[0..<lineEnd]))
            state = size == 0 ? .trailers : .data(remaining: size)
            return .framing(consumed: lineEnd + 2)
        case .trailers:
            guard let lineEnd = try line(input) else { return .needMore }
            if lineEnd == 0 {
                state = .done
                return .end(consumed: 2)
            }
            trailerBytes += lineEnd + 2
            guard trailerBytes <= limits.trailerBytesMax, trailers.count < limits.trailerCountMax else {
                throw HTTPError(.headerFieldsTooLarge, detail: "the trailer fields exceed \(limits.trailerBytesMax) bytes or \(limits.trailerCountMax) fields",
                                closesConnection: true)
            }
            let field = UnsafeRawBufferPointer(rebasing: input[0..<lineEnd])
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > 0,
                  field[0..<colon].allSatisfy(ByteClass.isTokenCharacter),
                  field[(colon + 1)...].allSatisfy({ ByteClass.isFieldValueByte($0) }),
                  let value = String(validating: field[(colon + 1)...], as: UTF8.self) else {
                throw ChunkedDecoder.bad("a trailer field is malformed")
            }
            trailers.add(String(decoding: field[0..<colon], as: UTF8.self), value.trimmingOWS())
            return .framing(consumed: lineEnd + 2)
        }
    }

    /// The index of the CR of the first CRLF, nil if none yet.
    private func line(_ input: UnsafeRawBufferPointer) throws(HTTPError) -> Int? {
        var index = 0
        while index + 1 < input.count {
            if input[index] == 0x0d {
                guard input[index + 1] == 0x0a else { throw ChunkedDecoder.bad("a CR without LF in chunk framing") }
                guard index <= limits.lineBytesMax else {
                    throw ChunkedDecoder.bad("a chunk-size or trailer line is longer than \(limits.lineBytesMax) bytes")
                }
                return index
            }
            if input[index] == 0x0a { throw ChunkedDecoder.bad("a bare LF in chunk framing") }
            index += 1
        }
        guard input.count <= limits.lineBytesMax else {
            throw ChunkedDecoder.bad("a chunk-size or trailer line is longer than \(limits.lineBytesMax) bytes")
        }
        return nil
    }

    /// `1a;name=value` → 26. At most 15 hex digits, so the size fits Int64.
    static func chunkSize(_ line: UnsafeRawBufferPointer) throws(HTTPError) -> Int64 {
        var size: Int64 = 0
        var digits = 0
        var index = 0
        while index < line.count, let value = PercentDecoding.hexValue(line[index]) {
            guard digits < 15 else { throw bad("a chunk size has more than 15 hex digits") }
            size = size << 4 | Int64(value)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw bad("a chunk-size line does not start with a hex number") }
        // Extensions are ignored, but must be made of visible characters.
        var rest = index
        while rest < line.count, line[rest] == 0x20 || line[rest] == 0x09 { rest += 1 }
        guard rest == line.count || line[rest] == UInt8(ascii: ";") else { throw bad("a chunk size is followed by garbage") }
        guard line[rest...].allSatisfy({ ByteClass.isFieldValueByte($0) && $0 < 0x80 }) else {
            throw bad("a chunk extension has a control or non-ASCII character")
        }
        return size
    }

    static func bad(_ detail: String) -> HTTPError { HTTPError(.badRequest, detail: detail, closesConnection: true) }
}
