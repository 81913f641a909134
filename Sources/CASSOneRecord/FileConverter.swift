import Foundation
import CASSDomain

/// A file that cannot be converted: it does not read as a billing file.
public struct ConversionError: Error, Sendable, CustomStringConvertible {
    public var fileName: String
    public var problem: Problem

    public var description: String {
        var text = "\(fileName): \(problem.code.rawValue) \(problem.message)"
        if !problem.field.isEmpty { text += " [\(problem.field)" + (problem.location.isEmpty ? "" : " at \(problem.location)") + "]" }
        if !problem.expected.isEmpty || !problem.found.isEmpty { text += ": expected \(problem.expected), found \(problem.found)" }
        return text
    }
}

/// `cass convert FILE --to xml|cbf`: reads either format (by content) and
/// writes the other, or the same one again.
public enum FileConverter {
    /// Converts without reference data: the period-per-month check (F01)
    /// needs the operation and is left to settlement.
    public static func convert(bytes: [UInt8], fileName: String, to format: BillingFileFormat) throws(ConversionError) -> [UInt8] {
        let read = bytes.withUnsafeBytes { raw in
            switch (BillingFileFormat.detect(raw), format) {
            case (.xml, .cbf): OneRecordReader.read(bytes: raw, fileName: fileName, periodsPerMonth: { _ in nil }, maxCBFLines: maxCBFLines)
            case (.jsonld, .cbf): OneRecordReader.readJSONLD(bytes: raw, fileName: fileName, periodsPerMonth: { _ in nil }, maxCBFLines: maxCBFLines)
            default: BillingFileReader.read(bytes: raw, fileName: fileName, periodsPerMonth: { _ in nil })
            }
        }
        switch read {
        case .rejected(let name, _, let problem):
            throw ConversionError(fileName: name, problem: problem)
        case .parsed(let file):
            if let problem = loss(converting: file, to: format) { throw ConversionError(fileName: fileName, problem: problem) }
            switch format {
            case .xml: return OneRecordWriter.write(file)
            case .jsonld: return OneRecordWriter.writeJSONLD(file)
            case .cbf: return CBFWriter.write(file)
            }
        }
    }

    /// The most lines a CBF can number (positions 4-9).
    public static let maxCBFLines = 999_999

    /// What the target format cannot say about this file: converting it
    /// would change what settlement makes of it, so it is refused.
    static func loss(converting file: BillingFile, to format: BillingFileFormat) -> Problem? {
        // F07 needs no reference data when ISO 4217 does not know the
        // currency: no settlement could accept the file, so no conversion does.
        if ISO4217.minorDigits(of: file.header.currency) == nil {
            return Problem(code: .F07, field: "billing currency", expected: "an ISO 4217 currency", found: OneRecordValues.reportable(file.header.currency, width: 8),
                           message: "currency \(OneRecordValues.reportable(file.header.currency, width: 8)) is not an ISO 4217 currency")
        }
        switch format {
        case .xml, .jsonld:
            // The XML (and its JSON-LD) takes the minor digits from ISO 4217: a CBF header that
            // disagrees (F07) cannot be written.
            if let iso = ISO4217.minorDigits(of: file.header.currency), iso != file.header.minorDigits {
                return Problem(code: .F07, field: "minor-unit digits", expected: "\(iso) for \(file.header.currency)", found: "\(file.header.minorDigits)",
                               message: "the XML format takes minor digits from ISO 4217; this header's cannot be converted")
            }
            return nil
        case .cbf:
            // The CBF numbers its lines in 6 digits: header, records, OCH lines, trailer.
            let lines = file.records.count + file.otherCharges.count + 2
            if lines > maxCBFLines {
                return Problem(code: .F06, field: "sequence number", expected: "at most \(maxCBFLines) lines (the CBF's 6-digit sequence field)", found: "\(lines) lines",
                               message: "the CBF twin would need \(lines) lines; its sequence field numbers at most \(maxCBFLines)")
            }
            for record in file.records {
                if let problem = record.malformed {
                    return Problem(code: problem.code, field: problem.field, location: "transaction \(record.sequence): " + problem.location, expected: problem.expected, found: problem.found,
                                   message: "a malformed field cannot be written to the CBF's typed fields: \(problem.message)")
                }
                for (name, code) in [("origin airport", record.origin), ("destination airport", record.destination), ("currency", record.currency)] where code.length != 3 {
                    return Problem(code: .R12, field: name, location: "transaction \(record.sequence)", expected: "3 characters (the CBF's field)", found: "'\(code)'",
                                   message: "\(name) '\(code)' does not fit the CBF's 3 positions")
                }
                if record.otherChargeCurrencyMismatch {
                    return Problem(code: .R06, field: "other-charge currency", location: "transaction \(record.sequence)", expected: file.header.currency, found: "another currency",
                                   message: "the CBF has no currency on other charges: this record's cannot be converted")
                }
            }
            return nil
        }
    }
}

extension FileConverter {
    /// `cass convert FILE --to xml|cbf [--output FILE]`: without an output,
    /// FILE's name with the target format's extension. Never overwrites the
    /// input. Returns where it wrote.
    public static func convertFile(_ input: URL, to format: BillingFileFormat, output: URL? = nil) throws -> URL {
        let target = output ?? input.deletingPathExtension().appendingPathExtension(format.rawValue)
        guard target.standardizedFileURL.path != input.standardizedFileURL.path else {
            throw ConversionError(fileName: input.lastPathComponent, problem: Problem(code: .F06, message: "the output would overwrite the input; give --output"))
        }
        let bytes = try [UInt8](Data(contentsOf: input))
        let converted = try convert(bytes: bytes, fileName: input.lastPathComponent, to: format)
        try Data(converted).write(to: target, options: .atomic)
        return target
    }
}
