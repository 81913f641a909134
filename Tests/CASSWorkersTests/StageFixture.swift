import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// Small inputs for one stage at a time: the sample world's reference data
/// (operations GB, JP, KW; airline 125 in GB and JP) and hand-made files.
enum StageFixture {
    static let reference = SampleGenerator.referenceData(SampleConfig(awbs: 10, seed: 1, errorRate: 0))

    static func agent(_ country: String, _ index: Int = 0) -> Int64 {
        let active = reference.allAgents.filter { $0.country == country && $0.status == .active }.map(\.code).sorted()
        return active[index]
    }

    static func environment(spool: URL? = nil, documents: URL? = nil) -> StageEnvironment {
        StageEnvironment(reference: reference, persistState: true, keepLines: true, spool: spool, documents: documents)
    }

    /// A correct prepaid `AWB` (or another transaction) of airline 125.
    static func record(_ serial7: Int, country: String = "GB", agent: Int64? = nil, transaction: TransactionType = .awb,
                       weightCharge: Int64 = 10_000, issue: Int32 = 20261101) -> BillingRecord {
        var r = BillingRecord()
        r.airlinePrefix = 125
        r.awbSerial = Int32(CheckDigit.awbSerial(from: serial7))
        r.transaction = transaction
        r.agentCode = agent ?? Self.agent(country)
        r.issueDateDigits = issue
        r.origin = ASCIICode("LHR")
        r.destination = ASCIICode("NRT")
        r.indicator = .prepaid
        r.currency = ASCIICode(country == "GB" ? "GBP" : "JPY")
        r.chargeableWeightTenthsKg = 1234
        if transaction.isMemo {
            r.netDue = transaction == .dcm ? weightCharge : -weightCharge
            r.reasonCode = ASCIICode("RTE")
            return r
        }
        r.weightCharge = weightCharge
        r.commissionRate = 500
        r.commission = Money.applyRate(weightCharge, rateHundredthsPercent: 500)
        r.netDue = RecordChecks.expectedNetDue(r)
        r.reasonCode = ASCIICode("   ")
        return r
    }

    /// A CBF file of airline 125 in `country` for `period`.
    static func file(country: String = "GB", period: Int = 20261101, sequence: Int = 1, records: [BillingRecord]) -> [UInt8] {
        let gb = country == "GB"
        let periodValue = BillingPeriod(yyyymmnn: period)!
        let created = periodValue.lastDay(periodsPerMonth: gb ? 4 : 2).adding(days: 1)
        let header = FileHeader(formatVersion: 1, airlinePrefix: 125, operation: country, period: periodValue, fileSequence: sequence,
                                creationDate: created, currency: gb ? "GBP" : "JPY", minorDigits: gb ? 2 : 0)
        let file = BillingFile(name: "x", identity: ReportedIdentity(), header: header, trailer: CBFWriter.controlTotals(of: records),
                               records: records, otherCharges: [])
        return CBFWriter.write(file)
    }

    static func period(_ country: String = "GB", _ yyyymmnn: Int = 20261101) -> PeriodKey {
        PeriodKey(country: country, period: BillingPeriod(yyyymmnn: yyyymmnn)!)
    }

    static func temporaryFolder(_ test: XCTestCase, _ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cass-stage-\(name.filter(\.isLetter))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

extension Array where Element == StageHarness.Emitted {
    func on(_ topic: Topic) -> [StageHarness.Emitted] { filter { $0.topic == topic.name } }
    var messages: [StageMessage] { compactMap(\.message) }
    var rejections: [Rejection] {
        messages.flatMap { message -> [Rejection] in
            if case .rejections(let list) = message { return list }
            return []
        }
    }
    var deadLetters: [StageHarness.Emitted] { filter { $0.topic.hasSuffix(".dlq") } }
}
