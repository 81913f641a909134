import CASSDomain

/// libFuzzer's entry: the CBF reader on arbitrary bytes. Whatever it is
/// given, it must return a verdict (parsed or rejected) without trapping,
/// and a parsed file must agree with its own trailer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCBF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    switch CBFReader.read(buffer: buffer, fileName: "fuzz.cbf", periodsPerMonth: { _ in 4 }) {
    case .parsed(let file):
        precondition(file.records.count == file.trailer.recordCount, "a parsed file's record count disagrees with its trailer")
        for record in file.records {
            let end = Int(record.otherChargesStart) + Int(record.otherChargesCount)
            precondition(record.otherChargesCount == 0 || end <= file.otherCharges.count, "other charges out of range")
        }
    case .rejected:
        break
    }
    return 0
}

#if FUZZING
/// SwiftPM links an executable's entry as `<module>_main`: hand it to
/// libFuzzer's driver, which parses libFuzzer's flags and runs the target.
@_cdecl("fuzz_cbf_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzCBF)
}
#else
/// Built without the fuzzer (a plain `swift build`), the target replays
/// the files it is given: how a crash a long run found is reproduced.
@main
enum ReplayCBF {
    static func main() { FuzzReplay.run(CommandLine.arguments.dropFirst(), through: fuzzCBF) }
}
#endif
