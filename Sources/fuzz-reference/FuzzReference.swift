import CASSDomain

/// libFuzzer's entry: the reference-data loader (CSV syntax, UTF-8, every
/// column's checks, the checks across files) on arbitrary bytes. The input
/// is the four files in the loader's order (operations, airlines, agents,
/// tax rules), each after a line `%%` (a missing one is empty), so one
/// input can break a file and the checks that look across files alike.
/// Whatever it is given, the loader refuses or loads without trapping, and
/// what loads keeps settlement.md's promises: the refusals there are the
/// invariants here, since data that breaks one would reach the engine.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReference(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    var parts = split(bytes)
    while parts.count < 4 { parts.append([]) }
    let loaded: ReferenceData
    do {
        loaded = try ReferenceLoader.parse(operations: (parts[0], "operations.csv"), airlines: (parts[1], "airlines.csv"),
                                           agents: (parts[2], "agents.csv"), taxRules: (parts[3], "tax-rules.csv"))
    } catch {
        // A refusal names a place: the file, and a line within the input.
        precondition(!error.file.isEmpty && error.line >= 0 && error.column >= 0, "a refusal without its place")
        return 0
    }
    // Text that is not UTF-8 is refused, never turned into U+FFFD. Only
    // the four files the loader read: bytes after a fifth `%%` line go to
    // no file (a fuzzing run found an input whose ignored fifth part was
    // not UTF-8 and took it for a loaded one).
    for part in parts.prefix(4) { precondition(String(validating: part, as: UTF8.self) != nil, "bytes that are not UTF-8 loaded") }
    check(loaded)
    return 0
}

/// The input's files: the bytes after each line `%%` up to the next.
func split(_ bytes: [UInt8]) -> [[UInt8]] {
    let marker: [UInt8] = Array("%%\n".utf8)
    var parts: [[UInt8]] = []
    var current: [UInt8]? = nil
    var index = 0
    var lineStart = true
    while index < bytes.count {
        if lineStart, bytes.count - index >= marker.count, Array(bytes[index..<index + marker.count]) == marker {
            if let done = current { parts.append(done) }
            current = []
            index += marker.count
            continue
        }
        lineStart = bytes[index] == 10
        current?.append(bytes[index])
        index += 1
    }
    if let done = current { parts.append(done) }
    return parts
}

/// What loaded reference data promises (settlement.md "Reference data files").
func check(_ data: ReferenceData) {
    func clean(_ text: String) {
        for scalar in text.unicodeScalars {
            precondition(scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value),
                         "a control character loaded")
        }
    }
    for (country, operation) in data.operations {
        precondition(country == operation.country)
        precondition(operation.periodsPerMonth == 2 || operation.periodsPerMonth == 4, "periods per month")
        precondition(operation.remittanceDays >= 0 && operation.disputeDays >= 0, "negative days")
        for text in [operation.country, operation.currency, operation.language, operation.entityName, operation.entityTaxID,
                     operation.bankName ?? "", operation.iban ?? "", operation.bic ?? ""] { clean(text) }
    }
    for airline in data.airlines.values {
        precondition((0...999).contains(airline.prefix), "airline prefix")
        precondition(Set(airline.operations).count == airline.operations.count, "an operation listed twice")
        for country in airline.operations { precondition(data.operations[country] != nil, "an airline naming an unknown operation") }
        clean(airline.name)
        clean(airline.taxID)
    }
    for agent in data.allAgents {
        precondition(data.operations[agent.country] != nil, "an agent of an unknown operation")
        precondition(agent.code >= 0 && CheckDigit.agentCodeIsValid(Int(agent.code)), "an agent code with a wrong check digit")
        precondition(agent.guaranteeMinor >= 0, "a negative guarantee")
        for text in [agent.name, agent.taxID, agent.address, agent.language] { clean(text) }
    }
    for country in data.operations.keys {
        let rules = data.taxRules(for: country)
        precondition(rules.count <= ReferenceData.taxRulesPerOperationMax, "more rules than a line's mask holds")
        for (index, rule) in rules.enumerated() {
            precondition((0...TaxRule.rateHundredthsPercentMax).contains(rule.rateHundredthsPercent), "a rate outside 0-10000")
            precondition(rule.validTo.map { rule.validFrom <= $0 } ?? true, "an inverted validity")
            clean(rule.code)
            clean(rule.description)
            for other in rules[..<index] where other.code.lowercased() == rule.code.lowercased() {
                precondition(!other.overlaps(rule), "two rules of one code in force on one day")
            }
        }
    }
    for country in data.taxRules.keys { precondition(data.operations[country] != nil, "a rule of an unknown operation") }
}

#if FUZZING
@_cdecl("fuzz_reference_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzReference)
}
#else
@main
enum ReplayReference {
    static func main() { FuzzReplay.run(CommandLine.arguments.dropFirst(), through: fuzzReference) }
}
#endif
