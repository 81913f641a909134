/// Reading array elements where they are. Handing an element to a function
/// or closure (`for x in array`, `filter`, `contains(where:)`, or a
/// `borrowing` parameter fed from the array) copies it, and copying an
/// `InvoiceLine` retains and releases its file name, a heap string: two
/// atomic operations per line each time a document visits it, in a close
/// with documents where retains and releases were a sixth of the CPU time.
/// Through a pointer, a caller reads only the fields it needs (a projection
/// of `pointee`), and nothing is retained but what those fields hold.
/// The pointer is valid only inside the closure.
public enum InPlace {
    /// The indices of the elements for which `predicate` holds, ascending.
    @inlinable
    public static func indices<Element>(of array: [Element], where predicate: (UnsafePointer<Element>) -> Bool) -> [Int] {
        array.withUnsafeBufferPointer { buffer in
            var result: [Int] = []
            guard let base = buffer.baseAddress else { return result }
            for index in buffer.indices where predicate(base + index) { result.append(index) }
            return result
        }
    }

    /// Whether `predicate` holds for any element.
    @inlinable
    public static func contains<Element>(_ array: [Element], where predicate: (UnsafePointer<Element>) -> Bool) -> Bool {
        array.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            for index in buffer.indices where predicate(base + index) { return true }
            return false
        }
    }

    /// `body` for each element, in order.
    @inlinable
    public static func forEach<Element>(_ array: [Element], _ body: (UnsafePointer<Element>) throws -> Void) rethrows {
        try array.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for index in buffer.indices { try body(base + index) }
        }
    }
}

extension String {
    /// The string's UTF-8 bytes where they are. `withUTF8` is mutating, so
    /// calling it on a `let` or a property copies the string first: a
    /// retain and a release per call, on strings that two document threads
    /// often share (labels, cached keys). A native string's bytes are
    /// contiguous already; a bridged or otherwise foreign one is copied,
    /// as `withUTF8` would.
    @inlinable
    public func withUTF8InPlace<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
