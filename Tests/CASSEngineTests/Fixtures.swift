import CASSDomain
import CASSEngine
import Foundation

/// Small, readable fixtures: one GBP operation with VAT credited on
/// commission, one JPY operation with a charged tax on net, one KWD one.
enum Fixture {
    static let gbAgent: Int64 = CheckDigitHelper.agent(1234567_001)
    static let gbAgent2: Int64 = CheckDigitHelper.agent(1234567_002)
    static let jpAgent: Int64 = CheckDigitHelper.agent(7654321_001)
    static let suspendedAgent: Int64 = CheckDigitHelper.agent(1111111_001)

    static func reference(vatFrom: String = "2020-01-01", vatTo: CivilDate? = nil, extraRules: [TaxRule] = []) -> ReferenceData {
        ReferenceData(
            operations: [
                Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30, language: "en", entityName: "CASS UK", entityTaxID: "GB1"),
                Operation(country: "JP", currency: "JPY", minorDigits: 0, periodsPerMonth: 2, remittanceDays: 15, disputeDays: 30, language: "ja", entityName: "CASS Japan", entityTaxID: "JP1"),
                Operation(country: "KW", currency: "KWD", minorDigits: 3, periodsPerMonth: 2, remittanceDays: 15, disputeDays: 30, language: "ar", entityName: "CASS Kuwait", entityTaxID: "KW1"),
            ],
            airlines: [
                Airline(prefix: 125, name: "British", taxID: "X", operations: ["GB", "JP"]),
                Airline(prefix: 131, name: "JAL", taxID: "Y", operations: ["JP"]),
            ],
            agents: [
                Agent(country: "GB", code: gbAgent, name: "Agent One", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 0),
                Agent(country: "GB", code: gbAgent2, name: "Agent Two", taxID: "", address: "", language: "fr", status: .active, guaranteeMinor: 0),
                Agent(country: "GB", code: suspendedAgent, name: "Suspended", taxID: "", address: "", language: "en", status: .suspended, guaranteeMinor: 0),
                Agent(country: "JP", code: jpAgent, name: "日本エージェント", taxID: "", address: "", language: "ja", status: .active, guaranteeMinor: 0),
            ],
            taxRules: [
                TaxRule(country: "GB", code: "VAT", description: "VAT on commission", base: .commission, rateHundredthsPercent: 2000, direction: .credited, validFrom: CivilDate(iso: Substring(vatFrom))!, validTo: vatTo),
                TaxRule(country: "JP", code: "CT", description: "consumption tax", base: .net, rateHundredthsPercent: 1000, direction: .charged, validFrom: CivilDate(iso: "2020-01-01")!, validTo: nil),
            ] + extraRules)
    }

    /// A valid prepaid AWB: weight charge, 5 % commission, net computed.
    static func awb(_ serial7: Int, agent: Int64 = gbAgent, prefix: Int32 = 125, weightCharge: Int64 = 10_000, rate: Int32 = 500,
                    transaction: TransactionType = .awb, issue: Int32 = 20261101, currency: String = "GBP", indicator: ChargesIndicator = .prepaid) -> BillingRecord {
        var r = BillingRecord()
        r.airlinePrefix = prefix
        r.awbSerial = Int32(CheckDigit.awbSerial(from: serial7))
        r.transaction = transaction
        r.agentCode = agent
        r.issueDateDigits = issue
        r.origin = ASCIICode("LHR")
        r.destination = ASCIICode("JFK")
        r.indicator = indicator
        r.currency = ASCIICode(currency)
        r.chargeableWeightTenthsKg = 1234
        if transaction.isMemo {
            r.netDue = transaction == .dcm ? weightCharge : -weightCharge
            r.reasonCode = ASCIICode("ADJ")
            return r
        }
        r.weightCharge = weightCharge
        r.valuationCharge = 0
        r.commissionRate = rate
        r.commission = Money.applyRate(weightCharge, rateHundredthsPercent: Int64(rate))
        r.netDue = RecordChecks.expectedNetDue(r)
        r.reasonCode = ASCIICode("   ")
        return r
    }

    static func file(prefix: Int32 = 125, country: String = "GB", currency: String = "GBP", digits: Int = 2, period: Int = 20261101,
                     sequence: Int = 1, created: Int = 20261107, records: [BillingRecord], charges: [OtherCharge] = []) -> [UInt8] {
        let header = FileHeader(formatVersion: 1, airlinePrefix: prefix, operation: country, period: BillingPeriod(yyyymmnn: period)!,
                                fileSequence: sequence, creationDate: CivilDate(yyyymmdd: created)!, currency: currency, minorDigits: digits)
        let file = BillingFile(name: "x", identity: ReportedIdentity(), header: header, trailer: CBFWriter.controlTotals(of: records),
                               records: records, otherCharges: charges)
        return CBFWriter.write(file)
    }

    /// Runs files through the direct composition and returns the results.
    static func settle(_ files: [(String, [UInt8])], reference: ReferenceData = reference()) -> SettlementRun {
        var run = SettlementRun(reference: reference, keepLines: true)
        for (name, bytes) in files {
            bytes.withUnsafeBytes { buffer in
                try! run.ingest(bytes: buffer, fileName: name) { CBFReader.read(buffer: $0, fileName: $1, periodsPerMonth: $2) }
            }
        }
        try! run.closeAll()
        return run
    }

    static func codes(_ run: SettlementRun) -> [String] { run.rejections.map { $0.code.rawValue } }
}

enum CheckDigitHelper {
    static func agent(_ tenDigits: Int) -> Int64 { Int64(CheckDigit.agentCode(from: tenDigits)) }
}

extension Array where Element == UInt8 {
    /// Replaces bytes of 1-based line `line` from 1-based position `position`.
    func patching(line: Int, position: Int, with text: String) -> [UInt8] {
        var copy = self
        var start = 0
        for _ in 1..<line { start = (copy[start...].firstIndex(of: 10) ?? 0) + 1 }
        for (offset, byte) in text.utf8.enumerated() { copy[start + position - 1 + offset] = byte }
        return copy
    }
}
