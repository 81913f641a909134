import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// An amount beyond 64 bits stops the stage that meets it: the worker
/// breaks, commits nothing and dead-letters nothing (a dead letter would let
/// the run finish without the lines, a wrong result with exit 0).
final class AmountOverflowPipelineTests: XCTestCase {
    func test_an_overflow_in_the_settle_stage_stops_the_worker_and_is_never_dead_lettered() throws {
        let log = InProcessLog()
        try log.createTopics(TopicCatalog.specs())
        let agent = Int64(CheckDigit.agentCode(from: 1_234_567_001))
        let reference = ReferenceData(
            operations: [Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30,
                                   language: "en", entityName: "CASS UK", entityTaxID: "GB1")],
            airlines: [Airline(prefix: 125, name: "BA", taxID: "X", operations: ["GB"])],
            agents: [Agent(country: "GB", code: agent, name: "A", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 0)])
        let period = BillingPeriod(yyyymmnn: 20261101)!
        func line(_ serial7: Int, _ amount: Int64) -> BilledLine {
            let date = CivilDate(iso: "2026-11-02")!
            return BilledLine(country: "GB", period: period, agentCode: agent, airlinePrefix: 125, awbSerial: Int32(CheckDigit.awbSerial(from: serial7)),
                              transaction: .awb, fileName: "f.cbf", fileOrdinal: 1, sequence: Int32(serial7 % 100), issueDate: date, taxDate: date,
                              origin: ASCIICode("LHR"), destination: ASCIICode("JFK"), chargeableWeightTenthsKg: 1, weightCharge: amount,
                              valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: amount, reasonCode: ASCIICode("   "))
        }
        let producer = try log.makeProducer()
        let key = PeriodKey(country: "GB", period: period)
        try producer.send([
            OutgoingRecord(topic: TopicCatalog.billed, partition: 0, key: Array("GB".utf8),
                           value: StageMessage.lines(LineBatch(lines: [line(1_000_001, Int64.max - 1), line(1_000_002, 2)])).encoded()),
            OutgoingRecord(topic: TopicCatalog.billed, partition: 0, key: Array("GB".utf8),
                           value: StageMessage.closeMarker(period: key, source: 0, sourceCount: 1).encoded()),
        ])
        let worker = try StageWorker(SettleStage.definition, environment: StageEnvironment(reference: reference, persistState: false, keepLines: false), log: log)
        XCTAssertThrowsError(try { while try worker.step() > 0 {} }()) { error in
            XCTAssertTrue(error is AmountOverflow, "\(error)")
            XCTAssertTrue("\(error)".contains("agent \(AgentCodeText.format(agent))"), "\(error)")
        }
        XCTAssertTrue(worker.isBroken)
        XCTAssertEqual(worker.counters.deadLettered, 0)
        XCTAssertTrue(try log.readToEnd(TopicPartition(topic: StageName.settle.deadLetterTopic, partition: 0)).isEmpty)
        XCTAssertTrue(try log.readToEnd(TopicPartition(topic: TopicCatalog.drafts, partition: 0)).isEmpty, "no draft of the period was written")
    }
}
