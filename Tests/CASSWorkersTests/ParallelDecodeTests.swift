import CASSDomain
import CASSLog
@testable import CASSWorkers
import XCTest

/// The results' read-back decodes the invoices topic on two threads: the
/// messages must be those one thread decodes, in the records' order, with
/// nil where a record does not decode.
final class ParallelDecodeTests: XCTestCase {
    let date = CivilDate(yyyymmdd: 20261102)!

    func invoice(_ number: Int) -> Invoice {
        let line = InvoiceLine(awb: "125-\(10_000_000 + number)", awbSerial: Int32(number), transaction: .awb, issueDate: date, origin: "LHR",
                               destination: "NRT", chargeableWeightTenthsKg: 10, weightCharge: Int64(number), valuationCharge: 0,
                               otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: Int64(number), reasonCode: "",
                               sourceFile: "125_GB_20261101_000001.cbf", sourceSequence: Int32(number))
        let section = InvoiceSection(airlinePrefix: 125, lines: [line], taxes: [], netDue: 0, taxCharged: 0, taxCredited: 0, total: Int64(number))
        return Invoice(number: "GB2026\(String(100_000 + number))", country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, currency: "GBP",
                       minorDigits: 2, invoiceDate: date, remittanceDate: date, agentCode: 12_345_670_016, sections: [section], lineCount: 1,
                       netDue: 0, taxCharged: 0, taxCredited: 0, total: Int64(number))
    }

    func records(_ count: Int) -> [LogRecord] {
        (0..<count).map { k in
            // Every 50th record is not a stage message.
            let value = k % 50 == 49 ? Array("not a message".utf8) : StageMessage.invoice(invoice(k)).encoded()
            return LogRecord(topic: TopicCatalog.invoices, partition: Int32(k % 3), offset: Int64(k), key: [], value: value)
        }
    }

    func test_two_threads_decode_what_one_does_in_order() throws {
        for count in [0, 1, ParallelDecode.parallelFrom - 1, ParallelDecode.parallelFrom, 1_001] {
            let input = records(count)
            let decoded = ParallelDecode.messages(input)
            XCTAssertEqual(decoded.count, count)
            for (k, message) in decoded.enumerated() {
                let alone = try? StageMessage.decode(input[k].value)
                XCTAssertEqual(message?.encoded(), alone?.encoded(), "record \(k) of \(count)")
                if k % 50 == 49 { XCTAssertNil(message, "record \(k) is not a message") } else { XCTAssertNotNil(message) }
            }
        }
    }
}
