import CASSDomain
import CASSEngine
import CASSLog
import CASSOneRecord

/// How a stage recognises a billing file's format and reads it. The CBF
/// reader is the default; the ONE Record XML reader plugs in here.
public typealias FileReader = Ingestion.Reader

public enum DefaultReaders {
    public static let cbf: FileReader = { bytes, name, periods in
        CBFReader.read(buffer: bytes, fileName: name, periodsPerMonth: periods)
    }

    /// CBF or ONE Record XML, recognised by content.
    public static let any: FileReader = { bytes, name, periods in
        BillingFileReader.read(bytes: bytes, fileName: name, periodsPerMonth: periods)
    }
}

/// The routing keys the stages' outputs hash, shared by the stages and the
/// submitters. Every one is FNV-1a (`FNV1a`) over the key's bytes.
public enum RoutingKey {
    /// An AWB within its operation: the operation's letters, then prefix
    /// and serial as little-endian bytes. Every version of an AWB in one
    /// operation meets the same ledger; the two operations that rightly
    /// bill the same AWB need not. No allocation: this runs once per record.
    @inline(__always)
    public static func awbPartition(operation: ASCIICode, prefix: Int32, serial: Int32, count: Int32) -> Int32 {
        var hash = FNV1a()
        var shift = UInt64(operation.length) * 8
        while shift > 0 {
            shift -= 8
            hash.mix(UInt8(truncatingIfNeeded: operation.packed >> shift))
        }
        hash.mix(littleEndian: UInt32(bitPattern: prefix))
        hash.mix(littleEndian: UInt32(bitPattern: serial))
        return hash.partition(among: count)
    }

    /// An invoice: the operation's letters and the agent code (little-endian
    /// 64 bits). One invoice accumulates in one partition.
    @inline(__always)
    public static func agentPartition(country: String, agent: Int64, count: Int32) -> Int32 {
        var hash = FNV1a()
        hash.mix(bytes: country.utf8)
        hash.mix(littleEndian: UInt64(bitPattern: agent))
        return hash.partition(among: count)
    }

    /// One empty array per partition, each sized for its share of `total`
    /// items hashed over them (with room for an uneven spread), so routing
    /// a batch does not regrow them.
    public static func partitionBatches<Element>(for total: Int, partitions: Int32) -> [[Element]] {
        let count = Int(max(1, partitions))
        var batches: [[Element]] = []
        batches.reserveCapacity(count)
        for _ in 0..<count {
            var batch: [Element] = []
            batch.reserveCapacity(total / count + total / (4 * count) + 8)
            batches.append(batch)
        }
        return batches
    }

    /// The operation a file claims, for routing only (the reader decides
    /// whether the claim holds): the header's or the XML envelope's.
    public static func operation(ofFile bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "").operation }
    }
}

/// An AWB within its operation, as the records output routes it.
public struct AWBRoute: Sendable {
    public var operation: ASCIICode
    public var prefix: Int32
    public var serial: Int32

    public init(operation: ASCIICode, prefix: Int32, serial: Int32) {
        self.operation = operation
        self.prefix = prefix
        self.serial = serial
    }
}

/// An invoice, as the lines and billed outputs route it.
public struct InvoiceRoute: Sendable {
    public var country: String
    public var agent: Int64

    public init(country: String, agent: Int64) {
        self.country = country
        self.agent = agent
    }
}
