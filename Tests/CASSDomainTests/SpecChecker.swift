import CASSDomain
import Foundation

/// An independent, slow, obvious reading of billing-file.md used to check
/// the sample generator: which code (if any) each record and each file
/// must get. Kept apart from the engine on purpose: if both agree with the
/// generator's expectations, the three readings of the spec agree.
struct SpecChecker {
    let reference: ReferenceData
    /// (operation, AWB) -> agent of its accepted first billing there: an
    /// AWB is identified within its operation.
    var billed: [String: [AWBKey: Int64]] = [:]
    var acceptedFiles: Set<String> = []

    init(reference: ReferenceData) { self.reference = reference }

    /// The first file-level code the engine side finds (F07, F08, F04).
    mutating func fileCode(_ file: BillingFile) -> RejectionCode? {
        let header = file.header
        guard let operation = reference.operation(header.operation) else { return .F08 }
        if ISO4217.minorDigits(of: header.currency) != header.minorDigits || header.currency != operation.currency { return .F07 }
        if !reference.isParticipant(airline: header.airlinePrefix, in: header.operation) { return .F08 }
        let key = "\(header.airlinePrefix)/\(header.operation)/\(header.period)/\(header.fileSequence)"
        if acceptedFiles.contains(key) { return .F04 }
        acceptedFiles.insert(key)
        return nil
    }

    /// The first record code in the spec's precedence, and applies the
    /// record to the history when it is accepted.
    mutating func recordCode(_ record: BillingRecord, in file: BillingFile) -> RejectionCode? {
        let header = file.header
        if record.malformed != nil { return .R12 }
        if record.airlinePrefix != header.airlinePrefix { return .R03 }
        if record.currency.description != header.currency { return .R06 }
        if !CheckDigit.awbSerialIsValid(Int(record.awbSerial)) { return .R01 }
        if !CheckDigit.agentCodeIsValid(Int(record.agentCode)) || reference.agent(record.agentCode, in: header.operation)?.status != .active { return .R02 }
        guard let issued = CivilDate(yyyymmdd: Int(record.issueDateDigits)), issued <= header.creationDate else { return .R04 }
        if !record.origin.isUppercaseLetters || record.origin.length != 3 || !record.destination.isUppercaseLetters
            || record.destination.length != 3 || record.origin == record.destination { return .R05 }
        let charges = file.otherCharges(of: record)
        if !charges.isEmpty {
            let carrier = charges.filter(\.dueCarrier).reduce(Int64(0)) { $0 + $1.amount }
            let agent = charges.filter { !$0.dueCarrier }.reduce(Int64(0)) { $0 + $1.amount }
            if carrier != record.otherChargesDueCarrier || agent != record.otherChargesDueAgent { return .R09 }
        }
        if record.transaction.isVersion {
            if record.commission != Money.applyRate(record.weightCharge, rateHundredthsPercent: Int64(record.commissionRate)) { return .R07 }
            var net = -record.commission - record.incentive
            if record.indicator == .prepaid { net += record.weightCharge + record.valuationCharge + record.otherChargesDueCarrier }
            if record.netDue != net { return .R08 }
        } else {
            let others = [record.weightCharge, record.valuationCharge, record.otherChargesDueCarrier, record.otherChargesDueAgent, record.commission, record.incentive]
            if others.contains(where: { $0 != 0 }) { return .R08 }
            if record.transaction == .dcm ? record.netDue <= 0 : record.netDue >= 0 { return .R08 }
        }
        let key = record.awbKey
        if record.transaction == .awb {
            if billed[header.operation]?[key] != nil { return .R10 }
            billed[header.operation, default: [:]][key] = record.agentCode
            return nil
        }
        guard let agent = billed[header.operation]?[key], agent == record.agentCode else { return .R11 }
        return nil
    }
}
