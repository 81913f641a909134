import CASSLog

/// The sparse index of one segment: an entry (offset - base, position) at
/// the first frame of the segment and then every `FileLogOptions.indexIntervalBytes`
/// bytes, so that a read seeks near its offset and scans at most one
/// interval. The active segment's index lives in memory; a closed one's is
/// written beside it (`<base>.index`) and loaded on demand.
///
/// Index file: the entries (u32 relative offset, u32 position, little-endian),
/// then a 40-byte trailer: "CASSIDX1", u64 size of the segment it indexes,
/// i64 last offset, i64 newest timestamp, u32 entry count, u32 CRC-32C of
/// everything before it. An index that does not match its segment's size,
/// or fails its CRC, is rebuilt from the segment; it is never trusted over
/// the records themselves (a read checks that the frame found at an
/// entry's position has the entry's offset).
struct SegmentIndex: Sendable {
    var relativeOffsets: [UInt32] = []
    var positions: [UInt32] = []

    var count: Int { positions.count }
    var lastPosition: Int64 { positions.last.map { Int64($0) } ?? -1 }

    mutating func add(relativeOffset: UInt32, position: UInt32) {
        relativeOffsets.append(relativeOffset)
        positions.append(position)
    }

    mutating func truncate(to count: Int) {
        relativeOffsets.removeLast(relativeOffsets.count - count)
        positions.removeLast(positions.count - count)
    }

    /// The position of the last entry at or before `relativeOffset`, and
    /// the relative offset found there (0, 0 when the offset comes before
    /// every entry).
    func floor(_ relativeOffset: UInt32) -> (relativeOffset: UInt32, position: Int64) {
        var low = 0, high = relativeOffsets.count
        while low < high {
            let middle = (low + high) / 2
            if relativeOffsets[middle] <= relativeOffset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (0, 0) }
        return (relativeOffsets[low - 1], Int64(positions[low - 1]))
    }

    static let magic: [UInt8] = Array("CASSIDX1".utf8)
    static let trailerBytes = 40

    struct Summary: Sendable, Equatable {
        var segmentSize: Int64
        var lastOffset: Int64
        var maxTimestampMs: Int64
    }

    func encoded(_ summary: Summary) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 8 + SegmentIndex.trailerBytes)
        for index in 0..<count {
            Frame.appendInteger(relativeOffsets[index], to: &bytes)
            Frame.appendInteger(positions[index], to: &bytes)
        }
        bytes.append(contentsOf: SegmentIndex.magic)
        Frame.appendInteger(UInt64(summary.segmentSize), to: &bytes)
        Frame.appendInteger(summary.lastOffset, to: &bytes)
        Frame.appendInteger(summary.maxTimestampMs, to: &bytes)
        Frame.appendInteger(UInt32(count), to: &bytes)
        Frame.appendInteger(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    /// The index and summary in `bytes`, or nil when they are not a valid
    /// index of a segment of `segmentSize` bytes.
    static func decode(_ bytes: [UInt8], segmentSize: Int64) -> (SegmentIndex, Summary)? {
        guard bytes.count >= trailerBytes, (bytes.count - trailerBytes) % 8 == 0 else { return nil }
        return bytes.withUnsafeBytes { raw -> (SegmentIndex, Summary)? in
            let trailer = bytes.count - trailerBytes
            func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
            func i64(_ at: Int) -> Int64 { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
            guard Array(raw[trailer..<(trailer + 8)]) == magic,
                  u32(bytes.count - 4) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(bytes.count - 4)])),
                  Int(u32(trailer + 32)) == trailer / 8,
                  i64(trailer + 8) == segmentSize else { return nil }
            var index = SegmentIndex()
            index.relativeOffsets.reserveCapacity(trailer / 8)
            index.positions.reserveCapacity(trailer / 8)
            for entry in 0..<(trailer / 8) {
                let relative = u32(entry * 8), position = u32(entry * 8 + 4)
                // Entries must rise; a position must fall inside the segment.
                if let last = index.relativeOffsets.last, relative <= last || Int64(position) <= index.lastPosition { return nil }
                guard Int64(position) < max(segmentSize, 1) else { return nil }
                index.add(relativeOffset: relative, position: position)
            }
            return (index, Summary(segmentSize: segmentSize, lastOffset: i64(trailer + 16), maxTimestampMs: i64(trailer + 24)))
        }
    }
}
