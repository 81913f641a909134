import CASSDomain
import CASSEngine
import CASSWorkers

/// The embedded job: submit the files, close every period present, drain
/// the pipeline, read the results back.
enum EmbeddedSettlement {
    static func run(reference: ReferenceData, files: [(name: String, bytes: [UInt8])], keepLines: Bool, progress: ((String) -> Void)?) throws -> SettlementOutcome {
        let pipeline = try EmbeddedPipeline(reference: reference, reader: FileFormats.reader, keepLines: keepLines)
        try pipeline.submit(files)
        try pipeline.close(periodsPresent(files, reference: reference))
        if let progress {
            try pipeline.drain { progress("working: " + $0) }
        } else {
            try pipeline.drain()
        }
        return try pipeline.collect()
    }

    /// The (operation, period) pairs named by the files' headers.
    static func periodsPresent(_ files: [(name: String, bytes: [UInt8])], reference: ReferenceData) -> [PeriodKey] {
        var periods: Set<PeriodKey> = []
        for file in files {
            guard let (country, period) = FileFormats.operationAndPeriod(file.bytes), reference.operation(country) != nil else { continue }
            periods.insert(PeriodKey(country: country, period: period))
        }
        return periods.sorted()
    }
}

/// Which reader a file needs, decided by its content.
enum FileFormats {
    static let reader: FileReader = { bytes, name, periods in
        CBFReader.read(buffer: bytes, fileName: name, periodsPerMonth: periods)
    }

    static func processingOrderKey(_ bytes: [UInt8], fileName: String) -> ProcessingOrderKey {
        bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: fileName) }
    }

    static func operationAndPeriod(_ bytes: [UInt8]) -> (String, BillingPeriod)? {
        guard bytes.count >= 24 else { return nil }
        let country = String(decoding: bytes[14..<16], as: UTF8.self)
        var digits = 0
        for byte in bytes[16..<24] {
            guard byte >= 48, byte <= 57 else { return nil }
            digits = digits * 10 + Int(byte - 48)
        }
        guard let period = BillingPeriod(yyyymmnn: digits) else { return nil }
        return (country, period)
    }
}
