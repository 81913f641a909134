import CASSDomain
import CASSLog
import Foundation

/// The JSON of `GET /api/v1/invoices/{number}`, built without re-encoding
/// the invoice's lines on every request.
///
/// Why: an invoice of the 100,000-AWB benchmark carries ~640 lines (116 KB
/// of JSON); encoding them with JSONEncoder took ~5 ms of CPU per request,
/// which held the endpoint under 200 requests/s. The sections of an issued
/// invoice never change (the invoices view keeps the first issue of a
/// number and the reference data is fixed for the process), so their JSON
/// is encoded once and kept; what does change per request (status,
/// payments, disputes, as of today) is encoded each time and the two are
/// joined. The bytes are the same as encoding the whole shape at once: the
/// encoder sorts keys, and the rest is encoded with `"sections":[]` in
/// place, which is then replaced by the kept array (a `"` outside a JSON
/// string cannot occur inside one, so the match is the key itself).
final class InvoiceJSONCache: @unchecked Sendable {
    // @unchecked: `entries` and `bytes` are touched only under `lock`.
    /// The most bytes of sections JSON kept. An entry beyond it evicts
    /// others (arbitrary ones: any hit saves the same work); an invoice
    /// bigger than the whole budget is encoded per request.
    let bytesMax: Int
    private let lock = NSLock()
    private var entries: [String: [UInt8]] = [:]
    private var bytes = 0

    init(bytesMax: Int = 64 << 20) { self.bytesMax = bytesMax }

    static let sectionsPlaceholder = Array(",\"sections\":[]".utf8)

    /// The full invoice JSON: `shape` (whose `sections` are ignored) with
    /// the sections of `invoice`, from the cache or encoded and kept.
    func json(_ shape: InvoiceShape, sections: () -> [SectionShape]) throws -> [UInt8] {
        let sectionsJSON = try self.sections(of: shape.number, sections)
        var rest = shape
        rest.sections = []
        let outer = try JSONBodies.encode(rest)
        guard let at = Self.firstIndex(of: Self.sectionsPlaceholder, in: outer) else {
            // Not expected (the key is always there); the slow way is still right.
            rest.sections = sections()
            return try JSONBodies.encode(rest)
        }
        let keyEnd = at + Self.sectionsPlaceholder.count - 2   // up to and including ':'
        var joined: [UInt8] = []
        joined.reserveCapacity(outer.count + sectionsJSON.count)
        joined += outer[0..<keyEnd]
        joined += sectionsJSON
        joined += outer[(keyEnd + 2)...]
        return joined
    }

    private func sections(of number: String, _ make: () -> [SectionShape]) throws -> [UInt8] {
        if let known = lock.withLock({ entries[number] }) { return known }
        let encoded = try JSONBodies.encode(make())
        guard encoded.count <= bytesMax else { return encoded }
        lock.withLock {
            guard entries[number] == nil else { return }
            while bytes + encoded.count > bytesMax, let victim = entries.first {
                bytes -= victim.value.count
                entries.removeValue(forKey: victim.key)
            }
            entries[number] = encoded
            bytes += encoded.count
        }
        return encoded
    }

    /// Bytes kept right now (tests, statistics).
    var bytesKept: Int { lock.withLock { bytes } }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
