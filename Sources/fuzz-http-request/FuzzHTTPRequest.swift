import CASSHTTP

/// libFuzzer's entry: the HTTP server's parsing of request bytes, as a
/// connection sees them: the search for the end of the head (also in two
/// pieces, as bytes arrive), the head parser, and for a chunked body the
/// chunk decoder over what follows. Whatever the bytes, each returns a
/// verdict without trapping, and what they accept keeps its promises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    let whole = RequestHeadParser.scan(buffer, from: 0)
    // Scanning as the bytes arrive in two pieces finds the same end.
    let half = size / 2
    var pieces = RequestHeadParser.scan(UnsafeRawBufferPointer(rebasing: buffer[0..<half]), from: 0)
    if case .incomplete(let resumeAt) = pieces {
        precondition(resumeAt <= half, "scan resumes beyond the bytes it was given")
        pieces = RequestHeadParser.scan(buffer, from: resumeAt)
    }
    if case .complete(let end) = pieces, end <= half {
        // The first piece already held the whole head.
        precondition(whole == .complete(bodyStart: end), "scanning in pieces disagrees with one scan")
    } else {
        precondition(pieces == whole, "scanning in pieces disagrees with one scan: \(pieces) vs \(whole)")
    }
    guard case .complete(let bodyStart) = whole else { return 0 }
    precondition(bodyStart >= 4 && bodyStart <= size, "the head ends outside the input")

    let head: RequestHead
    do {
        head = try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<bodyStart]))
    } catch {
        precondition(error.closesConnection, "a malformed head must close the connection")
        precondition([400, 417, 431, 501, 505].contains(error.status.code), "unexpected status \(error.status.code) for a malformed head")
        return 0
    }
    for segment in head.pathSegments {
        precondition(segment != "." && segment != "..", "a dot segment was accepted")
        precondition(!segment.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "a control character was decoded into the path")
    }
    precondition(!(head.headers.contains("Content-Length") && head.headers.contains("Transfer-Encoding")), "both framings were accepted")
    if head.version == .http11 { precondition(head.headers.values("Host").count == 1, "an HTTP/1.1 request without exactly one Host") }
    _ = Cookies.parse(head.headers.values("Cookie").joined(separator: "; "))

    guard head.framing == .chunked else { return 0 }
    var decoder = ChunkedDecoder()
    var position = bodyStart
    while position <= size {
        let rest = UnsafeRawBufferPointer(rebasing: buffer[position..<size])
        let step: ChunkedDecoder.Step
        do { step = try decoder.step(rest) } catch {
            precondition(error.closesConnection, "a malformed chunked body must close the connection")
            return 0
        }
        switch step {
        case .needMore:
            return 0
        case .framing(let consumed):
            precondition(consumed > 0 && consumed <= rest.count, "framing consumed \(consumed) of \(rest.count) bytes")
            position += consumed
        case .data(let range):
            precondition(range.lowerBound == 0 && !range.isEmpty && range.upperBound <= rest.count, "data outside the input")
            position += range.upperBound
        case .end(let consumed):
            precondition(consumed <= rest.count, "the end consumed more than the input")
            precondition(decoder.isFinished)
            return 0
        }
    }
    return 0
}

#if FUZZING
@_cdecl("fuzz_http_request_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzHTTPRequest)
}
#else
@main
enum ReplayHTTPRequest {
    static func main() { FuzzReplay.run(CommandLine.arguments.dropFirst(), through: fuzzHTTPRequest) }
}
#endif
