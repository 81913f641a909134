/// The reader of either serialisation cut into its stages, for
/// `cass-bench formats`: each stage runs everything before it, so the
/// differences between their times say where the reader's time goes.
public enum ReaderProfile {
    public enum Stage: CaseIterable, Sendable, CustomStringConvertible {
        /// Well-formedness alone: the XML scanner's events (or the JSON
        /// grammar), the UTF-8 and character check included.
        case scan
        /// And the element events into the builder: terms looked up, each
        /// transaction's element tree built and its fields found.
        case events
        /// The whole reader: and every value parsed into a `BillingFile`.
        case whole

        public var description: String {
            switch self {
            case .scan: "scan alone (syntax, UTF-8, limits)"
            case .events: "+ elements into transactions"
            case .whole: "+ values parsed (whole reader)"
            }
        }
    }

    /// Runs `stage` over a document of either serialisation; returns a count
    /// (events or transactions) so that the work cannot be optimised away.
    public static func run(_ stage: Stage, _ bytes: UnsafeRawBufferPointer) -> Int {
        let format = BillingFileFormat.detect(bytes)
        switch stage {
        case .scan:
            switch format {
            case .xml:
                var scanner = XMLScanner(bytes: bytes)
                var events = 0
                do throws(XMLSyntaxError) {
                    while try scanner.next() != .endOfDocument { events += 1 }
                } catch { return -1 }
                return events
            case .jsonld:
                return JSONLDDocumentReader.scan(bytes)
            case .cbf:
                return 0
            }
        case .events:
            var builder = BillingDocumentBuilder(limits: .standard, identityOnly: false)
            switch format {
            case .xml: XMLDocumentReader.read(bytes, into: &builder)
            case .jsonld: JSONLDDocumentReader.read(bytes, into: &builder)
            case .cbf: return 0
            }
            return builder.transactions.count
        case .whole:
            if case .parsed(let file) = BillingFileReader.read(bytes: bytes, fileName: "", periodsPerMonth: { _ in nil }) { return file.records.count }
            return 0
        }
    }
}
