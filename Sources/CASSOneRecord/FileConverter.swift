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
        switch BillingFileReader.read(bytes: bytes, fileName: fileName, periodsPerMonth: { _ in nil }) {
        case .rejected(let name, _, let problem):
            throw ConversionError(fileName: name, problem: problem)
        case .parsed(let file):
            switch format {
            case .xml: return OneRecordWriter.write(file)
            case .cbf: return CBFWriter.write(file)
            }
        }
    }
}
