/// An open invoice's lines as they accumulate: appended in chunks of
/// `chunkLines` that never move once made.
///
/// Why not an array: a growing array copies every line into a buffer twice
/// its size at each doubling, so an invoice of n lines had touched about
/// twice its lines' memory by its close, much of it memory the process had
/// never used. On the machines this project is measured on, a fresh
/// page costs up to 10 microseconds (the host backs it again). The settle
/// stage's line arrays were the largest user of fresh pages in a 1M-AWB
/// close through `cass serve`: about 73,000 of its 250,000 page faults. The
/// chunks are all one size, so those freed at a close are reused whole by
/// the next period's lines.
public struct LineChunks: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    /// Lines per chunk: about 50 KB of `BilledLine`s, well under glibc's
    /// threshold for a mapping of its own, so chunks come from the heap and
    /// go back to it.
    public static let chunkLines = 1 << chunkShift
    static let chunkShift = 8

    private var chunks: [[BilledLine]] = []
    public private(set) var count = 0

    public init() {}

    public init(_ lines: some Sequence<BilledLine>) {
        for line in lines { append(line) }
    }

    public init(arrayLiteral lines: BilledLine...) {
        self.init(lines)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> BilledLine {
        precondition(position >= 0 && position < count, "line \(position) of \(count)")
        return chunks[position >> Self.chunkShift][position & (Self.chunkLines - 1)]
    }

    public mutating func append(_ line: BilledLine) {
        if count & (Self.chunkLines - 1) == 0 {
            var chunk: [BilledLine] = []
            chunk.reserveCapacity(Self.chunkLines)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(line)
        count += 1
    }

    /// Keeps the lines `shouldRemove` refuses, in order (a withdrawal).
    public mutating func removeAll(where shouldRemove: (BilledLine) throws -> Bool) rethrows {
        var kept = LineChunks()
        for chunk in chunks {
            for line in chunk where try !shouldRemove(line) { kept.append(line) }
        }
        self = kept
    }

    /// Chunk by chunk, without an index computation per line.
    public struct Iterator: IteratorProtocol {
        private var chunks: IndexingIterator<[[BilledLine]]>
        private var current: IndexingIterator<[BilledLine]>?

        init(_ chunks: [[BilledLine]]) {
            self.chunks = chunks.makeIterator()
            current = self.chunks.next()?.makeIterator()
        }

        public mutating func next() -> BilledLine? {
            while current != nil {
                if let line = current?.next() { return line }
                current = chunks.next()?.makeIterator()
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(chunks) }

    public var underestimatedCount: Int { count }
}
