import CASSDomain

/// The billing file formats, recognised by content whatever the file's
/// extension: RDF/XML when the first byte after an optional UTF-8 byte
/// order mark is `<`, JSON-LD when the first one after whitespace is `{`
/// (a JSON object), otherwise CBF (whose lines start with a record type
/// letter).
public enum BillingFileFormat: String, Sendable, Hashable, CaseIterable {
    case cbf, xml, jsonld

    /// The extensions `cass settle` reads from an input folder.
    public static let inputExtensions = ["cbf", "xml", "jsonld"]

    public static func detect(_ bytes: UnsafeRawBufferPointer) -> BillingFileFormat {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        if start < bytes.count, bytes[start] == UInt8(ascii: "<") { return .xml }
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x0A || bytes[start] == 0x0D || bytes[start] == 0x09 { start += 1 }
        return start < bytes.count && bytes[start] == UInt8(ascii: "{") ? .jsonld : .cbf
    }

    /// The extension `cass convert` gives a file of this format.
    public var fileExtension: String { rawValue }

    public static func detect(_ bytes: [UInt8]) -> BillingFileFormat {
        bytes.withUnsafeBytes { detect($0) }
    }
}

/// Reads a billing file in either format: the one reader `cass settle`
/// and the workers hand to the engine, so nothing downstream knows which
/// format a file came in.
public enum BillingFileReader {
    public static func read(bytes: UnsafeRawBufferPointer, fileName: String, periodsPerMonth: (String) -> Int?) -> FileReadResult {
        switch BillingFileFormat.detect(bytes) {
        case .cbf: CBFReader.read(buffer: bytes, fileName: fileName, periodsPerMonth: periodsPerMonth)
        case .xml: OneRecordReader.read(bytes: bytes, fileName: fileName, periodsPerMonth: periodsPerMonth)
        case .jsonld: OneRecordReader.readJSONLD(bytes: bytes, fileName: fileName, periodsPerMonth: periodsPerMonth)
        }
    }

    public static func read(bytes: [UInt8], fileName: String, periodsPerMonth: (String) -> Int?) -> FileReadResult {
        bytes.withUnsafeBytes { read(bytes: $0, fileName: fileName, periodsPerMonth: periodsPerMonth) }
    }

    /// The processing-order key, operation and period as far as the header
    /// (or envelope) can be read: files are processed in one order whatever
    /// their format, and the periods they name are closed.
    public static func summary(of bytes: UnsafeRawBufferPointer, fileName: String) -> BillingFileSummary {
        switch BillingFileFormat.detect(bytes) {
        case .cbf:
            let key = CBFReader.processingOrderKey(of: bytes, fileName: fileName)
            let operation = bytes.count >= 16 ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[14..<16]), as: UTF8.self) : ""
            return BillingFileSummary(key: key, operation: operation, period: BillingPeriod(yyyymmnn: key.period))
        case .xml:
            return OneRecordReader.envelopeSummary(bytes: bytes, fileName: fileName)
        case .jsonld:
            return OneRecordReader.envelopeSummary(bytes: bytes, fileName: fileName, jsonld: true)
        }
    }

    public static func processingOrderKey(of bytes: UnsafeRawBufferPointer, fileName: String) -> ProcessingOrderKey {
        summary(of: bytes, fileName: fileName).key
    }
}
