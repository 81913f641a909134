import CASSDomain
import XCTest

/// The reader parses digits eight at a time; these pin it to the byte-wise
/// meaning: every value round-trips, and any non-digit anywhere in an N or
/// S field is R12 on that field.
final class CBFNumberParsingTests: XCTestCase {
    private func file(_ record: BillingRecord) -> [UInt8] {
        let header = FileHeader(
            formatVersion: 1, airlinePrefix: 125, operation: "GB", period: BillingPeriod(yyyymmnn: 20261101)!,
            fileSequence: 1, creationDate: CivilDate(year: 2026, month: 11, day: 16)!, currency: "GBP", minorDigits: 2)
        return CBFWriter.write(BillingFile(name: "t.cbf", identity: ReportedIdentity(), header: header,
                                           trailer: CBFWriter.controlTotals(of: [record]), records: [record], otherCharges: []))
    }

    private func record(amount: Int64, agent: Int64) -> BillingRecord {
        var record = DomainFixtures.record()
        record.agentCode = agent
        record.indicator = .prepaid
        record.chargeableWeightTenthsKg = 9_999_999
        record.weightCharge = amount
        record.valuationCharge = -amount
        record.otherChargesDueCarrier = 0
        record.otherChargesDueAgent = 0
        record.netDue = amount
        record.reasonCode = ASCIICode(bytes: [])
        return record
    }

    private func parsed(_ bytes: [UInt8]) -> BillingRecord? {
        guard case .parsed(let file) = CBFReader.read(bytes: bytes, fileName: "t.cbf", periodsPerMonth: { _ in 4 }) else { return nil }
        return file.records.first
    }

    func test_valuesRoundTrip() {
        var generator = SystemRandomNumberGenerator()
        var amounts: [Int64] = [0, 1, 9, 10, 99_999_999, 100_000_000, 12_345_678_901, 99_999_999_999, 90_000_000_009]
        for _ in 0..<500 { amounts.append(Int64.random(in: 0...99_999_999_999, using: &generator)) }
        for amount in amounts {
            let agent = Int64.random(in: 0...99_999_999_999, using: &generator)
            let record = parsed(file(record(amount: amount, agent: agent)))
            XCTAssertEqual(record?.weightCharge, amount)
            XCTAssertEqual(record?.valuationCharge, -amount)
            XCTAssertEqual(record?.agentCode, agent)
            XCTAssertEqual(record?.chargeableWeightTenthsKg, 9_999_999)
            XCTAssertNil(record?.malformed)
        }
    }

    func test_anyNonDigitInAnyPositionIsMalformed() {
        let valid = file(record(amount: 12_345_678_901, agent: 98_765_432_109))
        // Printable bytes just outside '0'...'9' and others a word trick could
        // confuse (control and non-ASCII bytes are F06, a file rejection).
        let bad: [UInt8] = [0x20, 0x2B, 0x2D, 0x2F, 0x3A, 0x3F, 0x40, 0x4F, 0x6F, 0x7E]
        // Not the weight charge or net due: a changed total there is F03 first.
        let fields = [CBFLayout.Record.agentCode, CBFLayout.Record.chargeableWeight, CBFLayout.Record.valuationCharge, CBFLayout.Record.otherChargesDueCarrier]
        for field in fields {
            let firstDigit = field.length == 12 ? 1 : 0
            for position in firstDigit..<field.length {
                for byte in bad {
                    var bytes = valid
                    bytes[161 + field.offset + position] = byte
                    let record = parsed(bytes)
                    XCTAssertEqual(record?.malformed?.code, .R12, "\(field.name) position \(position) byte \(byte)")
                    XCTAssertEqual(record?.malformed?.field, field.name, "\(field.name) position \(position) byte \(byte)")
                }
            }
        }
    }
}
