import CASSLog
import Foundation

/// Walks the frames of a segment file between two positions, reading it in
/// chunks with pread (never the whole file), and hands each valid frame to
/// a closure while its bytes are in the buffer.
enum FrameScanner {
    enum End: Equatable {
        /// Every frame up to the end position was valid.
        case reachedEnd(Int64)
        /// The closure asked to stop before the frame at this position.
        case stopped(Int64)
        /// A frame starts here whose declared length runs past the end.
        case incomplete(at: Int64, needed: Int, available: Int64)
        /// The frame starting here is not valid.
        case invalid(at: Int64, reason: String)
    }

    /// What the closure says after seeing a frame.
    enum Step {
        case next
        /// Stop before this frame (it is not consumed).
        case stopBefore
        /// Take this frame and stop after it.
        case stopAfter
    }

    static let chunkBytesDefault = 1 << 20

    /// `body(position, layout, bytes)`: `bytes` starts at the frame's first
    /// byte and is only valid during the call. The first read is
    /// `chunkBytes`; each further one twice the last, up to
    /// `chunkBytesDefault` (a short read stays short, a long scan reads
    /// big chunks), or a frame's size when it is bigger.
    static func scan(_ fd: Int32, path: String, from start: Int64, to end: Int64, chunkBytes: Int = chunkBytesDefault,
                     _ body: (Int64, Frame.Layout, UnsafeRawBufferPointer) throws -> Step) throws -> End {
        guard start < end else { return .reachedEnd(start) }
        var capacity = Int(min(Int64(max(chunkBytes, Frame.totalMin)), end - start))
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var bufferAt = start  // file position of buffer[0]
        var filled = 0, consumed = 0
        while true {
            let position = bufferAt + Int64(consumed)
            if position >= end { return .reachedEnd(position) }
            let parsed = Frame.parse(UnsafeRawBufferPointer(rebasing: buffer[consumed..<filled]))
            switch parsed {
            case .frame(let layout):
                let step = try body(position, layout, UnsafeRawBufferPointer(rebasing: buffer[consumed..<(consumed + layout.total)]))
                switch step {
                case .next: consumed += layout.total
                case .stopBefore: return .stopped(position)
                case .stopAfter: return .stopped(position + Int64(layout.total))
                }
            case .incomplete(let needed):
                let available = end - position
                if Int64(needed) > available {
                    return .incomplete(at: position, needed: needed, available: available)
                }
                // Keep the partial frame, grow the buffer if the frame is
                // bigger than it, and read on.
                let remaining = filled - consumed
                let grown = max(needed, min(capacity * 2, chunkBytesDefault, Int(clamping: available)))
                if grown > capacity, filled > 0 {
                    let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: grown, alignment: 8)
                    if remaining > 0 { bigger.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: remaining) }
                    buffer.deallocate()
                    buffer = bigger
                    capacity = grown
                } else if remaining > 0, consumed > 0 {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: remaining)
                }
                bufferAt = position
                filled = remaining
                consumed = 0
                let want = Int(min(Int64(capacity - filled), end - (bufferAt + Int64(filled))))
                let got = try FileIO.read(fd, into: buffer.baseAddress! + filled, count: want, at: bufferAt + Int64(filled), path: path)
                filled += got
                if got == 0 {
                    // The file is shorter than the end we were given.
                    return .incomplete(at: position, needed: needed, available: Int64(remaining))
                }
            case .invalid(let reason):
                return .invalid(at: position, reason: reason)
            }
        }
    }

    /// After a bad frame at `position`: the first later position holding a
    /// frame that checks out (CRC and lengths) with an offset above
    /// `lastOffset`, and how many valid frames follow from there. Reads in
    /// windows; a candidate is checked only when its length fits the file
    /// and its offset field is plausible, so zeros and noise pass quickly.
    static func findValidFrame(_ fd: Int32, path: String, after position: Int64, end: Int64, lastOffset: Int64) throws -> (position: Int64, frames: Int)? {
        let window = 1 << 20
        var buffer = [UInt8](repeating: 0, count: window)
        var at = position + 1
        // Each frame is at least totalMin bytes, so offsets cannot run ahead
        // of lastOffset by more than the bytes left divided by that.
        let offsetCeiling = lastOffset + (end - position) / Int64(Frame.totalMin) + 1
        while at + Int64(Frame.totalMin) <= end {
            let count = Int(min(Int64(window), end - at))
            let got = try buffer.withUnsafeMutableBytes { try FileIO.read(fd, into: $0.baseAddress!, count: count, at: at, path: path) }
            guard got >= 4 else { return nil }
            for index in 0...(got - 4) {
                let candidate = at + Int64(index)
                let length = buffer.withUnsafeBytes { Int64(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: index, as: UInt32.self))) }
                let total = length + Int64(Frame.lengthBytes)
                guard total >= Int64(Frame.totalMin), candidate + total <= end else { continue }
                let offsetAt = candidate + total - Int64(Frame.trailerBytes)
                let offset: Int64
                if offsetAt + 8 <= at + Int64(got) {
                    offset = buffer.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: Int(offsetAt - at), as: Int64.self)) }
                } else {
                    let bytes = try FileIO.read(fd, count: 8, at: offsetAt, path: path)
                    guard bytes.count == 8 else { continue }
                    offset = bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                }
                guard offset > lastOffset, offset <= offsetCeiling else { continue }
                let frame = try FileIO.read(fd, count: Int(total), at: candidate, path: path)
                guard case .frame = frame.withUnsafeBytes({ Frame.parse($0) }) else { continue }
                var frames = 0
                _ = try scan(fd, path: path, from: candidate, to: end) { _, _, _ in
                    frames += 1
                    return .next
                }
                return (candidate, frames)
            }
            at += Int64(got - 3)
        }
        return nil
    }
}
