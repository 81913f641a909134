import CASSDomain

/// Three files written by hand rather than drawn at random, for people
/// reading the samples: a small JPY file whose every line is explained in
/// samples/README.md, an empty file and a file with a non-ASCII byte (both
/// rejected whole, the latter with an empty identity as settlement.md
/// says). Written whenever the error rate is above zero.
enum SampleShowcase {
    struct File {
        var name: String
        var bytes: [UInt8]
        var rejections: [ExpectedRejection]
        var records: Int
        var otherChargeLines: Int
    }

    static func files(_ config: SampleConfig) -> [File] {
        // A validated config always names a real month.
        guard let period = BillingPeriod(year: config.firstYear, month: config.firstMonth, number: 1) else { return [] }
        return [explained(period), empty(), nonASCII(period)]
    }

    private static let nittsu = Int64(CheckDigit.agentCode(from: 4_330_012_000))
    private static let kintetsu = Int64(CheckDigit.agentCode(from: 4_330_025_000))

    private static func record(_ serial7: Int, _ transaction: TransactionType, agent: Int64, day: Int, _ period: BillingPeriod) -> BillingRecord {
        var r = BillingRecord()
        r.airlinePrefix = 131
        r.awbSerial = Int32(CheckDigit.awbSerial(from: serial7))
        r.transaction = transaction
        r.agentCode = agent
        r.issueDateDigits = Int32(period.year * 10000 + period.month * 100 + day)
        r.origin = ASCIICode("NRT")
        r.destination = ASCIICode("LHR")
        r.indicator = .prepaid
        r.currency = ASCIICode("JPY")
        r.reasonCode = ASCIICode("   ")
        return r
    }

    /// 131 (日本航空) in JP, the first period: every line is in the README.
    private static func explained(_ period: BillingPeriod) -> File {
        let name = "131_JP_\(period.text)_900101_showcase-R07-R09-R12-with-correction-and-memos.cbf"
        let creation = period.lastDay(periodsPerMonth: 2).adding(days: 1)
        let header = FileHeader(formatVersion: 1, airlinePrefix: 131, operation: "JP", period: period, fileSequence: 900_101, creationDate: creation, currency: "JPY", minorDigits: 0)
        var file = SampleFileBuilder(name: name, header: header, expectedLines: 14)
        func och(_ code: String, _ carrier: Bool, _ amount: Int64) -> OtherCharge {
            OtherCharge(code: ASCIICode(code), dueCarrier: carrier, amount: amount, sequence: 0)
        }
        // Line 2: 150 kg at 600 JPY/kg, 5 % commission, fuel due carrier,
        // AWB fee due agent. Net = 90000 + 4500 - 4500 = 90000.
        var first = record(9_000_001, .awb, agent: nittsu, day: 3, period)
        first.chargeableWeightTenthsKg = 1_500
        first.weightCharge = 90_000
        first.otherChargesDueCarrier = 4_500
        first.otherChargesDueAgent = 1_000
        first.commissionRate = 500
        first.commission = 4_500
        first.netDue = 90_000
        file.append(first, charges: [och("MY", true, 4_500), och("AW", false, 1_000)])
        // Line 5: 7.50 % of 51000 is 3825; 3800 declared (net consistent with it): R07.
        var second = record(9_000_002, .awb, agent: nittsu, day: 4, period)
        second.chargeableWeightTenthsKg = 850
        second.weightCharge = 51_000
        second.commissionRate = 750
        second.commission = 3_800
        second.netDue = 47_200
        file.append(second, charges: [])
        // Line 6: OCH due carrier 3000 + 1200 = 4200, OCDC says 4000: R09.
        var third = record(9_000_003, .awb, agent: kintetsu, day: 5, period)
        third.chargeableWeightTenthsKg = 400
        third.weightCharge = 24_000
        third.otherChargesDueCarrier = 4_000
        third.commissionRate = 500
        third.commission = 1_200
        third.netDue = 26_800
        file.append(third, charges: [och("MY", true, 3_000), och("SC", true, 1_200)])
        // Line 9: CCA of line 2's AWB, 160 kg now. Net 96000 + 4500 - 4800 = 95700;
        // the invoice line is 95700 - 90000 = 5700.
        var correction = record(9_000_001, .cca, agent: nittsu, day: 3, period)
        correction.chargeableWeightTenthsKg = 1_600
        correction.weightCharge = 96_000
        correction.otherChargesDueCarrier = 4_500
        correction.commissionRate = 500
        correction.commission = 4_800
        correction.netDue = 95_700
        correction.reasonCode = ASCIICode("WGT")
        file.append(correction, charges: [och("MY", true, 4_500)])
        // Line 11: a debit memo of 2500 on the same AWB.
        var debit = record(9_000_001, .dcm, agent: nittsu, day: 3, period)
        debit.netDue = 2_500
        debit.reasonCode = ASCIICode("RTE")
        file.append(debit, charges: [])
        // Line 12: a credit memo without its reason code: R12.
        var credit = record(9_000_001, .ccm, agent: nittsu, day: 3, period)
        credit.netDue = -1_000
        file.append(credit, charges: [])
        // Line 13: collect: the agent collects nothing at origin and is owed
        // its 10 % commission and 600 incentive: net -3600.
        var collect = record(9_000_004, .awb, agent: kintetsu, day: 6, period)
        collect.indicator = .collect
        collect.chargeableWeightTenthsKg = 500
        collect.weightCharge = 30_000
        collect.commissionRate = 1000
        collect.commission = 3_000
        collect.incentive = 600
        collect.netDue = -3_600
        file.append(collect, charges: [])
        let bytes = file.finish()
        func expected(_ line: Int, _ code: RejectionCode, _ serial7: Int, _ what: String) -> ExpectedRejection {
            ExpectedRejection(file: name, airline: "131", country: "JP", period: period.text, sequence: line, code: code,
                              awb: "131-" + String(CheckDigit.awbSerial(from: serial7)).leftPadded(8), what: what)
        }
        return File(name: name, bytes: bytes, rejections: [
            expected(5, .R07, 9_000_002, "commission 3800 declared, 7.50 % of 51000 is 3825"),
            expected(6, .R09, 9_000_003, "OCH lines due carrier sum to 4200, OCDC says 4000"),
            expected(12, .R12, 9_000_001, "CCM without a reason code"),
        ], records: file.recordCount, otherChargeLines: file.otherChargeLines)
    }

    private static func empty() -> File {
        let name = "000_F01-empty-file.cbf"
        return File(name: name, bytes: [], rejections: [
            ExpectedRejection(file: name, airline: "", country: "", period: "", sequence: 0, code: .F01, awb: "", what: "an empty file: header missing"),
        ], records: 0, otherChargeLines: 0)
    }

    /// A correct file but for an "é" in the unused positions of its first
    /// record: F06, and an empty identity because the file is not ASCII.
    private static func nonASCII(_ period: BillingPeriod) -> File {
        let second = BillingPeriod(year: period.year, month: period.month, number: 2) ?? period
        let name = "205_JP_\(second.text)_900102_F06-non-ascii-byte.cbf"
        let header = FileHeader(formatVersion: 1, airlinePrefix: 205, operation: "JP", period: second, fileSequence: 900_102,
                                creationDate: second.lastDay(periodsPerMonth: 2).adding(days: 1), currency: "JPY", minorDigits: 0)
        var file = SampleFileBuilder(name: name, header: header, expectedLines: 3)
        var r = record(9_000_101, .awb, agent: nittsu, day: 17, period)
        r.airlinePrefix = 205
        r.chargeableWeightTenthsKg = 100
        r.weightCharge = 6_000
        r.commissionRate = 500
        r.commission = 300
        r.netDue = 5_700
        file.append(r, charges: [])
        var bytes = file.finish()
        let at = SampleFileBuilder.lineLength + 155
        bytes[at] = 0xC3
        bytes[at + 1] = 0xA9
        return File(name: name, bytes: bytes, rejections: [
            ExpectedRejection(file: name, airline: "", country: "", period: "", sequence: 0, code: .F06, awb: "", what: "UTF-8 \"é\" in the unused positions of line 2; identity empty: the file is not ASCII"),
        ], records: 1, otherChargeLines: 0)
    }
}
