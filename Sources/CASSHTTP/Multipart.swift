#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CASSCrypto

/// Limits of a `multipart/form-data` body (RFC 7578), besides the limit on
/// the whole body that the caller passes.
public struct MultipartLimits: Sendable, Equatable {
    /// Parts at most (fields and files together).
    public var partsMax = 32
    /// The header block of one part, CRLFs included.
    public var partHeadBytesMax = 8 * 1024
    /// One field (a part without a filename), kept in memory.
    public var fieldBytesMax = 64 * 1024
    /// All fields together.
    public var fieldsBytesMax = 256 * 1024
    /// File parts at most (each written to its own file).
    public var filesMax = 1
    /// What may follow the closing boundary (some clients add a CRLF).
    public var epilogueBytesMax = 1024

    public init() {}
}

/// The head of one part: its field name, the filename when it is a file
/// (`filename=""` is a file input left empty), and its media type.
public struct MultipartPartHead: Sendable, Equatable {
    public var name: String
    public var filename: String?
    public var contentType: String?
}

/// A strict, incremental `multipart/form-data` reader: bytes go in as they
/// arrive, in pieces of any size; parts come out as a head, data pieces
/// and an end, so a file part is never held in memory whole. Pure (no
/// I/O): the fuzz target and the tests drive it directly.
///
/// Strict means what browsers and curl send and nothing else: the body
/// starts with the first boundary (no preamble), every line ends in CRLF,
/// no padding after a boundary, each part has one `Content-Disposition:
/// form-data; name="..."`, header values are UTF-8 without controls, no
/// `Content-Transfer-Encoding` but 7bit, 8bit or binary, and the body ends
/// with the closing boundary (then at most `epilogueBytesMax` bytes).
public struct MultipartParser: Sendable {
    public enum Event {
        case begin(MultipartPartHead)
        /// Part bytes, valid only during the call.
        case data(UnsafeRawBufferPointer)
        case end
    }

    enum State: Equatable {
        /// Before the first boundary.
        case start
        /// Right after a boundary: CRLF (a part follows) or `--` (the end).
        case afterBoundary
        case head
        case body
        case epilogue
    }

    /// `CRLF--boundary`: what ends a part's data.
    let delimiter: [UInt8]
    let limits: MultipartLimits
    private var buffer: [UInt8]
    private(set) var state = State.start
    private(set) var parts = 0
    private var epilogueBytes = 0

    /// The boundary of a `Content-Type: multipart/form-data; boundary=...`
    /// value (quoted or not, 1-70 characters of RFC 2046's set), or nil.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { String($0).trimmingOWS() }
        guard let type = pieces.first, type.asciiLowercased == "multipart/form-data" else { return nil }
        var found: String?
        for parameter in pieces.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { return nil }
            let name = String(parameter[..<equals]).trimmingOWS().asciiLowercased
            var value = Substring(parameter[parameter.index(after: equals)...])
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { return nil }
                value = value.dropFirst().dropLast()
            }
            if name == "boundary" {
                guard found == nil else { return nil }
                found = String(value)
            }
        }
        guard let boundary = found, (1...70).contains(boundary.utf8.count), boundary.utf8.last != UInt8(ascii: " "),
              boundary.utf8.allSatisfy(isBoundaryCharacter) else { return nil }
        return boundary
    }

    /// RFC 2046 bchars.
    static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "'()+_,-./:=? ".utf8.contains(byte)
        }
    }

    public init(boundary: String, limits: MultipartLimits = MultipartLimits()) {
        delimiter = Array("\r\n--".utf8) + Array(boundary.utf8)
        self.limits = limits
        // The first boundary has no CRLF before it: pretend it had one, so
        // that one delimiter search serves every boundary.
        buffer = [13, 10]
    }

    public var isComplete: Bool { state == .epilogue }

    /// Takes the next bytes of the body; calls `handle` for what they complete.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) throws(HTTPError) -> Void) throws(HTTPError) {
        if state == .epilogue {
            epilogueBytes += bytes.count
            guard epilogueBytes <= limits.epilogueBytesMax else { throw Self.malformed("data follows the closing boundary") }
            return
        }
        buffer.append(contentsOf: bytes)
        try advance(handle)
    }

    /// The body has ended: refused unless the closing boundary was read.
    public func finish() throws(HTTPError) {
        guard state == .epilogue else { throw Self.malformed("the body ends before its closing boundary") }
    }

    private mutating func advance(_ handle: (Event) throws(HTTPError) -> Void) throws(HTTPError) {
        while true {
            switch state {
            case .start:
                let have = min(buffer.count, delimiter.count)
                guard buffer[0..<have].elementsEqual(delimiter[0..<have]) else {
                    throw Self.malformed("the body does not start with its boundary")
                }
                guard buffer.count >= delimiter.count else { return }
                buffer.removeFirst(delimiter.count)
                state = .afterBoundary
            case .afterBoundary:
                guard buffer.count >= 2 else { return }
                if buffer[0] == 13 && buffer[1] == 10 {
                    parts += 1
                    guard parts <= limits.partsMax else {
                        throw HTTPError(.contentTooLarge, detail: "more than \(limits.partsMax) parts", closesConnection: true)
                    }
                    buffer.removeFirst(2)
                    state = .head
                } else if buffer[0] == UInt8(ascii: "-") && buffer[1] == UInt8(ascii: "-") {
                    epilogueBytes = buffer.count - 2
                    guard epilogueBytes <= limits.epilogueBytesMax else { throw Self.malformed("data follows the closing boundary") }
                    buffer = []
                    state = .epilogue
                    return
                } else {
                    throw Self.malformed("a boundary is followed by something else than CRLF or --")
                }
            case .head:
                guard let end = Self.find([13, 10, 13, 10], in: buffer, from: 0) else {
                    guard buffer.count < limits.partHeadBytesMax else {
                        throw HTTPError(.headerFieldsTooLarge, detail: "a part's headers are over \(limits.partHeadBytesMax) bytes", closesConnection: true)
                    }
                    // A part with no header line at all: CRLF right away.
                    if buffer.count >= 2, buffer[0] == 13, buffer[1] == 10 { throw Self.malformed("a part has no Content-Disposition") }
                    return
                }
                guard end + 4 <= limits.partHeadBytesMax else {
                    throw HTTPError(.headerFieldsTooLarge, detail: "a part's headers are over \(limits.partHeadBytesMax) bytes", closesConnection: true)
                }
                let head = try Self.parseHead(buffer[0..<end])
                buffer.removeFirst(end + 4)
                state = .body
                try handle(.begin(head))
            case .body:
                if let at = Self.find(delimiter, in: buffer, from: 0) {
                    if at > 0 { try emit(count: at, handle) }
                    buffer.removeFirst(at + delimiter.count)
                    try handle(.end)
                    state = .afterBoundary
                } else {
                    // Keep what could be the start of a delimiter.
                    let safe = buffer.count - (delimiter.count - 1)
                    if safe > 0 {
                        try emit(count: safe, handle)
                        buffer.removeFirst(safe)
                    }
                    return
                }
            case .epilogue:
                return
            }
        }
    }

    private func emit(count: Int, _ handle: (Event) throws(HTTPError) -> Void) throws(HTTPError) {
        // withUnsafeBytes rethrows untyped: carry the typed error out by hand.
        var failure: HTTPError?
        buffer.withUnsafeBytes { all in
            do throws(HTTPError) { try handle(.data(UnsafeRawBufferPointer(rebasing: all[0..<count]))) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay -> Int? in
            needle.withUnsafeBufferPointer { pin -> Int? in
                guard let base = hay.baseAddress, let pinBase = pin.baseAddress else { return nil }
                var index = from
                let last = hay.count - pin.count
                while index <= last {
                    // memchr finds candidates fast in long data parts.
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + position, pinBase, pin.count) == 0 { return position }
                    index = position + 1
                }
                return nil
            }
        }
    }

    // MARK: - A part's head

    static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> MultipartPartHead {
        var disposition: String?
        var contentType: String?
        var seen = Set<String>()
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            var lineEnd = lineStart
            while lineEnd < bytes.endIndex, bytes[lineEnd] != 13 { lineEnd += 1 }
            if lineEnd < bytes.endIndex {
                guard lineEnd + 1 < bytes.endIndex, bytes[lineEnd + 1] == 10 else { throw malformed("a part's header line ends without CRLF") }
            }
            let line = bytes[lineStart..<lineEnd]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw malformed("a part's header line has no colon") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard ByteClass.isToken(name) else { throw malformed("a part's header name is not a token") }
            let rawValue = line[(colon + 1)...]
            // UTF-8 is allowed (browsers send file names raw); controls but tab are not.
            guard rawValue.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }),
                  let value = String(validating: rawValue, as: UTF8.self)?.trimmingOWS() else {
                throw malformed("a part's header value has a control character or is not UTF-8")
            }
            let lower = name.asciiLowercased
            guard seen.insert(lower).inserted else { throw malformed("a part repeats its \(name) header") }
            switch lower {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            case "content-transfer-encoding":
                guard ["7bit", "8bit", "binary"].contains(value.asciiLowercased) else {
                    throw HTTPError(.notImplemented, detail: "Content-Transfer-Encoding \(value) is not accepted: send the bytes as they are")
                }
            default:
                break
            }
            lineStart = lineEnd + 2
        }
        guard let disposition else { throw malformed("a part has no Content-Disposition") }
        let (name, filename) = try parseDisposition(disposition)
        return MultipartPartHead(name: name, filename: filename, contentType: contentType)
    }

    /// `form-data; name="field"; filename="a.cbf"`: parameters are tokens
    /// or quoted strings (a backslash quotes the next character); `name`
    /// is required, `filename*` is refused (RFC 7578 §4.2: not to be used).
    static func parseDisposition(_ value: String) throws(HTTPError) -> (name: String, filename: String?) {
        let scalars = Array(value.unicodeScalars)
        var index = 0
        func skipSpaces() { while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 } }
        func token() -> String {
            var text = ""
            while index < scalars.count, scalars[index].isASCII, ByteClass.isTokenCharacter(UInt8(scalars[index].value)) {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            return text
        }
        let type = token()
        guard type.asciiLowercased == "form-data" else { throw malformed("a part's Content-Disposition is not form-data") }
        var name: String?
        var filename: String?
        var seen = Set<String>()
        while true {
            skipSpaces()
            guard index < scalars.count else { break }
            guard scalars[index] == ";" else { throw malformed("a part's Content-Disposition is malformed") }
            index += 1
            skipSpaces()
            let key = token().asciiLowercased
            guard !key.isEmpty, index < scalars.count, scalars[index] == "=" else { throw malformed("a part's Content-Disposition is malformed") }
            index += 1
            var parameter = ""
            if index < scalars.count, scalars[index] == "\"" {
                index += 1
                var closed = false
                while index < scalars.count {
                    let scalar = scalars[index]
                    index += 1
                    if scalar == "\"" { closed = true; break }
                    if scalar == "\\" {
                        guard index < scalars.count else { break }
                        parameter.unicodeScalars.append(scalars[index])
                        index += 1
                    } else {
                        parameter.unicodeScalars.append(scalar)
                    }
                }
                guard closed else { throw malformed("a part's Content-Disposition has an unclosed quote") }
            } else {
                parameter = token()
            }
            guard seen.insert(key).inserted else { throw malformed("a part's Content-Disposition repeats \(key)") }
            switch key {
            case "name": name = parameter
            case "filename": filename = parameter
            case "filename*": throw malformed("filename* is not accepted in form data (RFC 7578): send filename in UTF-8")
            default: break
            }
        }
        guard let name, !name.isEmpty else { throw malformed("a part's Content-Disposition has no name") }
        return (name, filename)
    }

    static func malformed(_ detail: String) -> HTTPError {
        HTTPError(.badRequest, detail: "multipart/form-data: \(detail)", closesConnection: true)
    }
}

/// A file part, written to disk as it arrived. The server removes the
/// file once the handler returns: rename or link it to keep it.
public struct MultipartFile: Sendable {
    public var name: String
    /// As the client sent it (any characters: check it before use).
    public var filename: String
    public var contentType: String?
    public var path: String
    public var byteCount: Int64
}

/// A `multipart/form-data` body: the fields in order (repeated names
/// kept) and the files.
public struct MultipartForm: Sendable {
    public var fields: QueryParameters
    public var files: [MultipartFile]

    public func file(_ name: String) -> MultipartFile? { files.first { $0.name == name } }
}

extension Request {
    /// Reads a `multipart/form-data` body: fields into memory, each file
    /// part streamed to a new file in `folder` (mode 0600). At most `limit`
    /// bytes in all (413 beyond; declared lengths refused before reading),
    /// and the `limits` of parts, fields and files. 415 for another media
    /// type, 400 for a malformed body.
    public func readMultipart(limit: Int64, folder: String, limits: MultipartLimits = MultipartLimits()) throws(HTTPError) -> MultipartForm {
        guard mediaType == "multipart/form-data" else {
            throw HTTPError(.unsupportedMediaType, detail: "send the form as multipart/form-data")
        }
        guard let boundary = head.headers["Content-Type"].flatMap(MultipartParser.boundary(contentType:)) else {
            throw HTTPError.badRequest("multipart/form-data needs a boundary parameter of 1-70 characters")
        }
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var collector = MultipartCollector(folder: folder, limits: limits, fileLimit: limit)
        defer { collector.closeOpenFile() }
        do throws(HTTPError) {
            try streamBody(limit: limit) { (piece) throws(HTTPError) in
                try parser.feed(piece) { (event) throws(HTTPError) in try collector.take(event, request: self) }
            }
            try parser.finish()
        } catch {
            collector.closeOpenFile()
            for file in collector.files { unlink(file.path) }
            throw error
        }
        return MultipartForm(fields: QueryParameters(collector.fields), files: collector.files)
    }
}

/// Where the parser's events go: fields to memory, files to disk.
struct MultipartCollector {
    let folder: String
    let limits: MultipartLimits
    let fileLimit: Int64
    var fields: [(name: String, value: String)] = []
    var files: [MultipartFile] = []
    private var fieldsBytes = 0
    private var current: MultipartPartHead?
    private var fieldBytes: [UInt8] = []
    private var descriptor: Int32 = -1
    private var fileBytes: Int64 = 0

    init(folder: String, limits: MultipartLimits, fileLimit: Int64) {
        self.folder = folder
        self.limits = limits
        self.fileLimit = fileLimit
    }

    mutating func take(_ event: MultipartParser.Event, request: Request) throws(HTTPError) {
        switch event {
        case .begin(let head):
            current = head
            fieldBytes = []
            if let filename = head.filename {
                guard files.count < limits.filesMax else {
                    throw HTTPError(.contentTooLarge, detail: "at most \(limits.filesMax) file(s) per form", closesConnection: true)
                }
                try openFile(head, filename: filename, request: request)
            }
        case .data(let bytes):
            if descriptor >= 0 {
                try writeFile(bytes)
            } else {
                fieldsBytes += bytes.count
                guard fieldBytes.count + bytes.count <= limits.fieldBytesMax, fieldsBytes <= limits.fieldsBytesMax else {
                    throw HTTPError(.contentTooLarge, detail: "a form field is over \(limits.fieldBytesMax) bytes, or all fields over \(limits.fieldsBytesMax)",
                                    closesConnection: true)
                }
                fieldBytes.append(contentsOf: bytes)
            }
        case .end:
            guard let head = current else { return }
            if descriptor >= 0 {
                closeOpenFile()
                files[files.count - 1].byteCount = fileBytes
            } else {
                guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                    throw HTTPError(HTTPStatus(422), detail: "the form field \(head.name) is not UTF-8 text",
                                    errors: [HTTPError.FieldError(field: head.name, message: "is not UTF-8 text")])
                }
                fields.append((name: head.name, value: text))
            }
            current = nil
        }
    }

    private mutating func openFile(_ head: MultipartPartHead, filename: String, request: Request) throws(HTTPError) {
        let name: String
        do { name = "form-" + Hex.encode(try SecureRandom.bytes(12)) + ".part" } catch {
            throw HTTPError(.internalServerError, detail: "no random name for the upload: \(error.description)", closesConnection: true)
        }
        let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HTTPError(.internalServerError, detail: "cannot create the upload file: \(String(cString: strerror(errno)))", closesConnection: true)
        }
        descriptor = fd
        fileBytes = 0
        request.track(path)
        files.append(MultipartFile(name: head.name, filename: filename, contentType: head.contentType, path: path, byteCount: 0))
    }

    private mutating func writeFile(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) {
        fileBytes += Int64(bytes.count)
        guard fileBytes <= fileLimit, let base = bytes.baseAddress else {
            if bytes.isEmpty { return }
            throw HTTPError(.contentTooLarge, detail: "the file is larger than \(fileLimit) bytes", closesConnection: true)
        }
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, base + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw HTTPError(HTTPStatus(507, "Insufficient Storage"), detail: "the upload could not be stored: \(String(cString: strerror(errno)))",
                                closesConnection: true)
            }
            offset += count
        }
    }

    mutating func closeOpenFile() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}
