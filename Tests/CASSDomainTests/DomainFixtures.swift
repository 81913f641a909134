import CASSDomain

/// Records the domain tests build on: valid by the spec unless a test
/// changes them.
enum DomainFixtures {
    static func record(net: Int64 = 7_432, transaction: TransactionType = .awb) -> BillingRecord {
        var record = BillingRecord()
        record.airlinePrefix = 125
        record.awbSerial = Int32(CheckDigit.awbSerial(from: 1_234_567))
        record.transaction = transaction
        record.agentCode = Int64(CheckDigit.agentCode(from: 9_120_004_000))
        record.issueDateDigits = 20261109
        record.origin = ASCIICode("LHR")
        record.destination = ASCIICode("JFK")
        record.indicator = .collect
        record.currency = ASCIICode("GBP")
        record.chargeableWeightTenthsKg = 1_234
        record.weightCharge = 8_260
        record.valuationCharge = 0
        record.otherChargesDueCarrier = 1_500
        record.otherChargesDueAgent = 250
        record.commissionRate = 500
        record.commission = 413
        record.incentive = -5
        record.netDue = net
        record.reasonCode = ASCIICode("RTE")
        return record
    }
}
