#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why reading or writing a connection stopped.
enum IOFailure: Error, Sendable {
    /// The peer closed (EOF) or reset the connection.
    case closed
    /// A deadline passed (head or idle timeout).
    case timedOut
    /// The slow-client rule: too few bytes moved in a rate window.
    case tooSlow
    /// The server is stopping and the wait was for a new request.
    case stopping
    case failed(String)
}

/// One connection's socket and the bytes received but not yet used. Only
/// the connection's own thread touches it, so it needs no lock. The
/// buffer is raw memory that grows to what one read needs (reads are at
/// most 64 KiB, heads at most `headBytesMax`), never zero-filled.
final class ConnectionIO {
    let descriptor: Int32
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// `storage[start..<end]` is received and unread.
    private var start = 0
    private var end = 0
    private let wake: Int32
    private let configuration: HTTPServerConfiguration
    var bytesSent: Int64 = 0

    static let initialCapacity = 4096

    init(descriptor: Int32, wake: Int32, configuration: HTTPServerConfiguration) {
        self.descriptor = descriptor
        self.wake = wake
        self.configuration = configuration
        capacity = ConnectionIO.initialCapacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var unread: Int { end - start }

    var unreadBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage + start, count: end - start) }

    func withUnread<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try body(unreadBytes)
    }

    func consume(_ count: Int) {
        start += min(max(count, 0), unread)
        if start == end {
            start = 0
            end = 0
            // An idle keep-alive connection gives back what a large read grew.
            if capacity > 64 * 1024 + ConnectionIO.initialCapacity { shrink() }
        }
    }

    private func shrink() {
        storage.deallocate()
        capacity = ConnectionIO.initialCapacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// Room for `count` more bytes after `end`: unread bytes move to the
    /// front first, then the storage grows if still needed.
    private func reserve(_ count: Int) {
        if start > 0, capacity - end < count {
            (storage).copyMemory(from: storage + start, byteCount: end - start)
            end -= start
            start = 0
        }
        guard capacity - end < count else { return }
        var newCapacity = capacity
        while newCapacity - end < count { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage + start, byteCount: end - start)
        storage.deallocate()
        storage = newStorage
        end -= start
        start = 0
        capacity = newCapacity
    }

    /// Reads what is available (up to `maxBytes`), waiting until `deadline`.
    /// `interruptible` waits (between requests) end at once when the server
    /// stops. Returns the number of bytes added (never 0: EOF throws).
    @discardableResult
    func receive(deadline: UInt64, maxBytes: Int = 64 * 1024, interruptible: Bool = false) throws(IOFailure) -> Int {
        reserve(maxBytes)
        while true {
            let received = recv(descriptor, storage + end, maxBytes, 0)
            if received > 0 {
                end += received
                return received
            }
            if received == 0 { throw .closed }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                if code == ECONNRESET || code == ENOTCONN || code == EPIPE { throw .closed }
                throw .failed(String(cString: strerror(code)))
            }
            switch Socket.wait(descriptor, events: Int16(POLLIN), deadline: deadline, wake: interruptible ? wake : nil) {
            case .ready: continue
            case .timedOut: throw .timedOut
            case .woken: throw .stopping
            case .failed: throw .failed("poll failed")
            }
        }
    }

    /// Sends all of `bytes`, waiting while the peer's window is full. The
    /// slow-client rule applies: each rate window must take its minimum.
    func send(_ bytes: UnsafeRawBufferPointer) throws(IOFailure) {
        var offset = 0
        var window = RateWindow(configuration)
        while offset < bytes.count {
            let sent = Glibc_send(descriptor, bytes.baseAddress.unsafelyUnwrapped + offset, bytes.count - offset)
            if sent > 0 {
                offset += sent
                bytesSent += Int64(sent)
                window.record(sent)
                continue
            }
            let code = errno
            if sent < 0 && code == EINTR { continue }
            guard sent < 0, code == EAGAIN || code == EWOULDBLOCK else {
                if code == EPIPE || code == ECONNRESET || code == ENOTCONN { throw .closed }
                throw .failed(String(cString: strerror(code)))
            }
            if case .failed = Socket.wait(descriptor, events: Int16(POLLOUT), deadline: window.end) {
                throw .failed("poll failed")
            }
            try window.check()
        }
    }

    func send(_ bytes: [UInt8]) throws(IOFailure) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(IOFailure) in try send(raw) } }
        try result.get()
    }

    func send(_ text: String) throws(IOFailure) { try send(Array(text.utf8)) }

    /// Best effort, never waits: for answers on a connection about to close.
    /// Returns the bytes the kernel took.
    @discardableResult func sendNow(_ bytes: [UInt8]) -> Int {
        let sent = bytes.withUnsafeBytes { Glibc_send(descriptor, $0.baseAddress, $0.count) }
        return max(sent, 0)
    }

    /// Whether the peer has closed or sent something (on a connection that
    /// should be quiet, such as an event stream).
    func peerClosedOrSent() -> Bool {
        var fd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let count = poll(&fd, 1, 0)
        return count > 0 && fd.revents != 0
    }
}

/// The slow-client rule over one transfer: windows of `rateWindowMs`, each
/// of which must move `bytesPerWindowMin` unless the transfer ends first.
struct RateWindow {
    private(set) var end: UInt64
    private var moved = 0
    private let length: UInt64
    private let minimum: Int

    init(_ configuration: HTTPServerConfiguration) {
        length = UInt64(max(configuration.rateWindowMs, 1)) * 1_000_000
        minimum = configuration.bytesPerWindowMin
        end = Monotonic.now() &+ length
    }

    mutating func record(_ count: Int) { moved += count }

    /// At or after the window's end: too slow, or a new window begins.
    mutating func check() throws(IOFailure) {
        let now = Monotonic.now()
        guard now >= end else { return }
        guard moved >= minimum else { throw .tooSlow }
        moved = 0
        end = now &+ length
    }
}

func Glibc_send(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    send(descriptor, bytes, count, Socket.noSignal)
}
