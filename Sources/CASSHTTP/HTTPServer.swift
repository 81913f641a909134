#if canImport(Glibc)
import CProcess
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A small, strict HTTP/1.1 server on POSIX sockets (docs/http.md).
///
/// Model: one acceptor thread; then one thread per open connection, which
/// reads a request, runs its handler, writes the answer and waits for the
/// next request, all with deadlines. Handlers may block (a durable write,
/// a large upload) without holding anyone else up; the number of threads
/// is bounded by `connectionsMax`.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    /// The port bound (the kernel's choice when the configuration said 0).
    public let port: UInt16
    public var host: String { configuration.host }

    private let router: Router
    private let listener: Int32
    /// Readable once the server stops: every wait between requests polls it.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let registry = Locked(Registry())
    private let acceptorDone = DispatchSemaphore(value: 0)

    struct Registry {
        var nextID: UInt64 = 1
        var connections: [UInt64: Int32] = [:]
        var eventStreams: [UInt64: EventChannel] = [:]
    }

    /// Binds the listening socket (so a taken port fails here, naming it);
    /// serving begins with `start`.
    public init(configuration: HTTPServerConfiguration, router: Router) throws {
        self.configuration = configuration
        self.router = router
        let bound: (descriptor: Int32, port: UInt16)
        do {
            bound = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog)
        } catch {
            throw HTTPServerError(error.description)
        }
        listener = bound.descriptor
        port = bound.port
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            _ = close(listener)
            throw HTTPServerError("pipe: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Open connections right now (event streams included).
    public var openConnections: Int { registry.withLock { $0.connections.count } }
    public var openEventStreams: Int { registry.withLock { $0.eventStreams.count } }
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    public func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            cass_thread_set_name("http-accept")
            acceptLoop()
        }
        thread.name = "http-accept"
        thread.start()
    }

    public struct StopReport: Sendable {
        /// Connections that were still busy at the deadline and were cut.
        public let cutOff: Int
        /// Threads still inside a handler after the grace period.
        public let stillRunning: Int
    }

    /// Graceful stop: no new connections; idle keep-alive connections and
    /// event streams close at once; requests in flight get until `timeoutMs`
    /// to finish (their answers say `Connection: close`); then the rest are
    /// cut. Returns when every connection is gone (or after a further
    /// `graceMs` for handlers that do not return).
    @discardableResult
    public func stop(timeoutMs: Int = 10_000, graceMs: Int = 2_000) -> StopReport {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else {
            return StopReport(cutOff: 0, stillRunning: openConnections)
        }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        if started.load(ordering: .acquiring) {
            acceptorDone.wait()
        } else {
            _ = close(listener)
        }
        for channel in registry.withLock({ Array($0.eventStreams.values) }) { channel.close(.serverStopping) }
        let deadline = Monotonic.now() &+ UInt64(max(timeoutMs, 0)) * 1_000_000
        waitForConnections(until: deadline)
        var cutOff = 0
        let remaining = registry.withLock { Array($0.connections.values) }
        if !remaining.isEmpty {
            cutOff = remaining.count
            // Wakes blocked reads and writes; each thread closes its own descriptor.
            for descriptor in remaining { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
            waitForConnections(until: Monotonic.now() &+ UInt64(max(graceMs, 0)) * 1_000_000)
        }
        let stillRunning = openConnections
        if stillRunning == 0 {
            _ = close(wakeRead)
            _ = close(wakeWrite)
        } else {
            configuration.log("http: stop: \(stillRunning) handler(s) still running after the grace period")
        }
        return StopReport(cutOff: cutOff, stillRunning: stillRunning)
    }

    deinit {
        if !stopping.load(ordering: .relaxed) {
            _ = close(listener)
            _ = close(wakeRead)
            _ = close(wakeWrite)
        }
    }

    private func waitForConnections(until deadline: UInt64) {
        while openConnections > 0, Monotonic.now() < deadline { usleep(5_000) }
    }

    // MARK: - Accepting

    private func acceptLoop() {
        defer {
            _ = close(listener)
            acceptorDone.signal()
        }
        while !stopping.load(ordering: .relaxed) {
            switch Socket.wait(listener, events: Int16(POLLIN), deadline: UInt64.max, wake: wakeRead) {
            case .woken: return
            case .failed, .timedOut: continue
            case .ready: break
            }
            while true {
                let descriptor = accept(listener, nil, nil)
                if descriptor < 0 {
                    if errno == EINTR { continue }
                    if errno == EMFILE || errno == ENFILE {
                        configuration.log("http: accept: out of file descriptors")
                        usleep(10_000)
                    }
                    break
                }
                admit(descriptor)
            }
        }
    }

    private func admit(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        Socket.setNonBlocking(descriptor)
        Socket.setNoDelay(descriptor)
        let id: UInt64? = registry.withLock { registry in
            guard registry.connections.count < configuration.connectionsMax else { return nil }
            let id = registry.nextID
            registry.nextID += 1
            registry.connections[id] = descriptor
            return id
        }
        guard let id else {
            let error = HTTPError(.serviceUnavailable, detail: "the server has \(configuration.connectionsMax) connections open; try again shortly",
                                  headers: ["Retry-After": "1"], closesConnection: true)
            let io = ConnectionIO(descriptor: descriptor, wake: wakeRead, configuration: configuration)
            let sent = io.sendNow(ResponseWriter.serialize(.problem(error), keepAlive: false))
            recordHeadless(error, bytesSent: Int64(sent), descriptor: descriptor)
            _ = close(descriptor)
            return
        }
        let thread = Thread { [self] in
            cass_thread_set_name("http-connection")
            serve(descriptor)
            registry.withLock { _ = $0.connections.removeValue(forKey: id) }
        }
        thread.name = "http-connection"
        thread.start()
    }

    // MARK: - One connection

    private func serve(_ descriptor: Int32) {
        let io = ConnectionIO(descriptor: descriptor, wake: wakeRead, configuration: configuration)
        let remote = Socket.peerAddress(descriptor)
        var first = true
        var open = true
        while open {
            guard let head = readHead(io, first: first) else { break }
            first = false
            open = respond(to: head, io: io, remote: remote)
        }
        _ = close(descriptor)
    }

    /// The next request head, or nil when the connection should close (an
    /// error answer, if any, already sent).
    private func readHead(_ io: ConnectionIO, first: Bool) -> RequestHead? {
        let now = Monotonic.now()
        let waitMs = first ? configuration.headTimeoutMs : configuration.idleTimeoutMs
        let idleDeadline = now &+ UInt64(max(waitMs, 0)) * 1_000_000
        var headDeadline: UInt64? = io.unread > 0 ? now &+ UInt64(max(configuration.headTimeoutMs, 0)) * 1_000_000 : nil
        var scanFrom = 0
        while true {
            if stopping.load(ordering: .relaxed), headDeadline == nil { return nil }
            let scan = RequestHeadParser.scan(io.unreadBytes, from: scanFrom)
            switch scan {
            case .complete(let bodyStart):
                do {
                    let head = try io.withUnread { (bytes) throws(HTTPError) -> RequestHead in
                        try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<bodyStart]), limits: configuration.headLimits)
                    }
                    io.consume(bodyStart)
                    return head
                } catch {
                    answerAndClose(error, io)
                    return nil
                }
            case .bareLineFeed:
                answerAndClose(RequestHeadParser.bad("lines must end with CRLF"), io)
                return nil
            case .incomplete(let resumeAt):
                scanFrom = resumeAt
            }
            guard io.unread < configuration.headBytesMax else {
                answerAndClose(RequestHeadParser.tooLarge("the request line and headers exceed \(configuration.headBytesMax) bytes"), io)
                return nil
            }
            do {
                let room = configuration.headBytesMax + 4 - io.unread
                try io.receive(deadline: headDeadline ?? idleDeadline, maxBytes: max(room, 1), interruptible: headDeadline == nil)
                if headDeadline == nil { headDeadline = Monotonic.now() &+ UInt64(max(configuration.headTimeoutMs, 0)) * 1_000_000 }
            } catch .timedOut {
                if headDeadline != nil {
                    answerAndClose(HTTPError(.requestTimeout, detail: "the request head did not arrive within \(configuration.headTimeoutMs) ms",
                                             closesConnection: true), io)
                }
                return nil
            } catch {
                return nil
            }
        }
    }

    /// Runs the request and writes the answer; false when the connection must close.
    private func respond(to head: RequestHead, io: ConnectionIO, remote: String) -> Bool {
        let began = Monotonic.now()
        let sentBefore = io.bytesSent
        var mustClose = false
        let match = router.match(head.method, head.pathSegments)
        var parameters: [String: String] = [:]
        var route: String?
        if case .found(_, let bound, let pattern) = match {
            parameters = bound
            route = pattern
        }
        let request = Request(head: head, pathParameters: parameters, remoteAddress: remote, io: io, configuration: configuration)
        defer { request.removeReceivedFiles() }
        var response: Response
        switch match {
        case .found(let handler, _, _):
            do {
                response = try handler(request)
            } catch let error as HTTPError {
                response = .problem(error)
                mustClose = error.closesConnection
            } catch {
                configuration.log("http: \(head.method) \(head.rawPath): handler failed: \(error)")
                response = .problem(HTTPError(.internalServerError, detail: "the server could not complete the request"))
            }
        case .notFound:
            response = .problem(HTTPError(.notFound, detail: "no resource at \(head.rawPath)"))
        case .methodNotAllowed(let allowed):
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            response = .problem(HTTPError(.methodNotAllowed, detail: "\(head.method) is not allowed here; allowed: \(list)", headers: ["Allow": list]))
        }
        if request.connectionBroken { mustClose = true }
        let keepAlive = head.keepAlive && !mustClose && !stopping.load(ordering: .relaxed) && request.drainForKeepAlive()
        var status = response.status.code
        do {
            if case .events(let channel) = response.body, head.method != .HEAD {
                status = try sendEvents(response, channel: channel, head: head, io: io)
                record(head, route: route, status: status, sentBefore: sentBefore, io: io, began: began, remote: remote, user: request.userForLog)
                return false
            }
            status = try ResponseWriter.write(response, for: head, keepAlive: keepAlive, io: io, configuration: configuration)
        } catch {
            record(head, route: route, status: status, sentBefore: sentBefore, io: io, began: began, remote: remote, user: request.userForLog)
            return false
        }
        record(head, route: route, status: status, sentBefore: sentBefore, io: io, began: began, remote: remote, user: request.userForLog)
        if !keepAlive { lingeringClose(io) }
        return keepAlive
    }

    private func record(_ head: RequestHead, route: String?, status: Int, sentBefore: Int64, io: ConnectionIO, began: UInt64, remote: String, user: String?) {
        guard let accessLog = configuration.accessLog else { return }
        accessLog(AccessRecord(method: head.method.rawValue, rawPath: head.rawPath, route: route, status: status, bytesSent: io.bytesSent - sentBefore,
                               durationNanoseconds: Monotonic.now() &- began, remoteAddress: remote, user: user))
    }

    /// An answer sent before a request head was read whole.
    private func recordHeadless(_ error: HTTPError, bytesSent: Int64, descriptor: Int32) {
        guard let accessLog = configuration.accessLog else { return }
        accessLog(AccessRecord(method: "-", rawPath: "-", route: nil, status: error.status.code, bytesSent: bytesSent,
                               durationNanoseconds: 0, remoteAddress: Socket.peerAddress(descriptor)))
    }

    /// Error answers before a handler ran: sent without waiting, then closed
    /// the way `lingeringClose` does so the client reads the answer.
    private func answerAndClose(_ error: HTTPError, _ io: ConnectionIO) {
        let sent = io.sendNow(ResponseWriter.serialize(.problem(error), keepAlive: false))
        recordHeadless(error, bytesSent: Int64(sent), descriptor: io.descriptor)
        lingeringClose(io)
    }

    /// Half-closes, then reads and drops what the client still sends for a
    /// moment: closing with unread data makes the kernel send a reset,
    /// which can destroy the answer before the client reads it.
    private func lingeringClose(_ io: ConnectionIO) {
        _ = shutdown(io.descriptor, Int32(SHUT_WR))
        let deadline = Monotonic.now() &+ UInt64(max(configuration.lingerMs, 0)) * 1_000_000
        var dropped = 0
        while dropped < configuration.lingerBytesMax {
            do {
                dropped += try io.receive(deadline: deadline)
                io.consume(io.unread)
            } catch {
                return
            }
        }
    }

    // MARK: - Event streams

    private func sendEvents(_ response: Response, channel: EventChannel, head: RequestHead, io: ConnectionIO) throws(IOFailure) -> Int {
        let id: UInt64? = registry.withLock { registry in
            guard registry.eventStreams.count < configuration.eventStreamsMax, !stopping.load(ordering: .relaxed) else { return nil }
            let id = registry.nextID
            registry.nextID += 1
            registry.eventStreams[id] = channel
            return id
        }
        guard let id else {
            channel.close(.serverStopping)
            let error = HTTPError(.serviceUnavailable, detail: "too many event streams are open; try again later", headers: ["Retry-After": "5"])
            return try ResponseWriter.write(.problem(error), for: head, keepAlive: false, io: io, configuration: configuration)
        }
        defer { registry.withLock { _ = $0.eventStreams.removeValue(forKey: id) } }
        let chunked = head.version == .http11
        try ResponseWriter.writeHead(response, status: response.status, length: nil, chunked: chunked, keepAlive: false, io: io)
        let stream = ResponseStream(io: io, chunked: chunked)
        let pingNs = UInt64(max(configuration.eventPingIntervalMs, 1)) * 1_000_000
        let checkNs = UInt64(max(configuration.eventClientCheckMs, 1)) * 1_000_000
        var nextPing = Monotonic.now() &+ pingNs
        while true {
            let now = Monotonic.now()
            switch channel.next(deadline: min(nextPing, now &+ checkNs)) {
            case .events(let events):
                do {
                    try stream.write(events.map(\.wireText).joined())
                } catch {
                    channel.close(.clientGone)
                    return 200
                }
                nextPing = Monotonic.now() &+ pingNs
            case .timeout:
                if io.peerClosedOrSent() {
                    channel.close(.clientGone)
                    return 200
                }
                if Monotonic.now() >= nextPing {
                    do { try stream.write(": ping\n\n") } catch {
                        channel.close(.clientGone)
                        return 200
                    }
                    nextPing = Monotonic.now() &+ pingNs
                }
            case .closed:
                try? stream.finish()
                return 200
            }
        }
    }
}

public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A value behind an NSLock. (Not Synchronization.Mutex: on Linux it is
/// built on raw futexes that ThreadSanitizer does not see, so every use
/// would be reported as a race.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
