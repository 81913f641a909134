/// Growable bytes written through a pointer, for the document writers (the
/// invoice XML and JSON): room for a whole tag, key or number is made with
/// one capacity check and filled in place, where Array's
/// append(contentsOf:) of a short buffer cost about 100 instructions a call
/// (uniqueness, capacity, the generic copy), and a document line makes
/// dozens. A class, so the memory is freed when the last reference goes;
/// `array()` copies the bytes out once, at the end.
///
/// Not for sharing between threads: one writer owns it.
public final class ByteBuffer {
    @usableFromInline @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
    @usableFromInline @exclusivity(unchecked) var written = 0
    @usableFromInline @exclusivity(unchecked) var capacity: Int

    /// `capacity`: the bytes expected, so that the buffer need not grow
    /// (each growth copies what was written so far).
    public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    public var count: Int { written }

    /// `length` bytes of room at the end, counted as written: the caller
    /// initializes all of them before anything else is appended.
    @inlinable @inline(__always)
    public func room(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if capacity &- written < length { grow(length) }
        let at = base + written
        written &+= length
        return at
    }

    /// Up to `limit` bytes written at the end by `body`, which returns how
    /// many it wrote (at most `limit`): for pieces whose length is known
    /// only once written, bounded up front.
    @inlinable @inline(__always)
    public func write(atMost limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if capacity &- written < limit { grow(limit) }
        let used = body(base + written)
        precondition(used >= 0 && used <= limit, "wrote past the room asked for")
        written &+= used
    }

    /// The bytes written so far, to change in place (not to append to).
    public func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableBufferPointer(start: base, count: written))
    }

    @inlinable @inline(__always)
    public func append(_ byte: UInt8) {
        if written == capacity { grow(1) }
        base[written] = byte
        written &+= 1
    }

    @inlinable @inline(__always)
    public func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        room(bytes.count).initialize(from: start, count: bytes.count)
    }

    @inlinable @inline(__always)
    public func append(_ ascii: StaticString) {
        precondition(ascii.hasPointerRepresentation, "an ASCII constant")
        append(UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount))
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// At least doubles, so appending stays linear overall.
    @usableFromInline
    func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, written + needed)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.initialize(from: base, count: written)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    /// The bytes as an Array, in one copy.
    public func array() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: written) { target, initialized in
            if let start = target.baseAddress, written > 0 { start.initialize(from: base, count: written) }
            initialized = written
        }
    }
}

/// Where `DecimalBytes` writes: an Array, or a `ByteBuffer`.
public protocol DecimalSink {
    mutating func append(_ byte: UInt8)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: DecimalSink where Element == UInt8 {
    @inlinable
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

extension ByteBuffer: DecimalSink {}
