import CASSDomain
import CASSOneRecord

/// libFuzzer's entry: the ONE Record JSON-LD reader (JSON, context, document
/// shape, fields) on arbitrary bytes, through the same door `cass settle`
/// uses. Whatever it is given, it returns a verdict without trapping; a
/// parsed file agrees with its own trailer, and converts to a CBF that
/// reads back to the same records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLD(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    guard BillingFileFormat.detect(buffer) == .jsonld else { return 0 }
    switch OneRecordReader.readJSONLD(bytes: buffer, fileName: "fuzz.jsonld", periodsPerMonth: { _ in 4 }) {
    case .parsed(let file):
        precondition(file.records.count == file.trailer.recordCount, "a parsed file's record count disagrees with its trailer")
        if let cbf = try? FileConverter.convert(bytes: Array(buffer), fileName: "fuzz.jsonld", to: .cbf),
           case .parsed(let back) = CBFReader.read(bytes: cbf, fileName: "fuzz.cbf", periodsPerMonth: { _ in 4 }) {
            precondition(back.records.count == file.records.count, "the CBF twin has another number of records")
        }
    case .rejected:
        break
    }
    _ = OneRecordReader.envelopeSummary(bytes: buffer, fileName: "fuzz.jsonld", jsonld: true)
    return 0
}

#if FUZZING
@_cdecl("fuzz_jsonld_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzJSONLD)
}
#else
@main
enum ReplayJSONLD {
    static func main() { FuzzReplay.run(CommandLine.arguments.dropFirst(), through: fuzzJSONLD) }
}
#endif
