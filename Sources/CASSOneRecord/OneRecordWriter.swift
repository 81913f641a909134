import CASSDomain

/// IRIs of the ONE Record code lists the format uses.
public enum CodeList {
    public static let base = "https://onerecord.iata.org/ns/code-lists/"

    public static func currency(_ code: String) -> String { base + "CurrencyCode#" + code }
    public static func prepaidCollect(_ code: String) -> String { base + "PrepaidCollectIndicator#" + code }
    public static func measurementUnit(_ code: String) -> String { base + "MeasurementUnitCode#" + code }
    public static func otherCharge(_ code: String) -> String { base + "OtherChargeCode#" + code }
    public static func entitlement(_ code: String) -> String { base + "EntitlementCode#" + code }
    public static func participant(_ code: String) -> String { base + "ParticipantIdentifier#" + code }
    public static func chargeIdentifier(_ code: String) -> String { base + "ChargeIdentifier#" + code }
    public static let masterWaybill = XMLNamespace.cargoURI + "MASTER"
}

/// Writes a billing file in the shape of onerecord-xml.md: what
/// `cass convert --to xml` produces. Reading it back gives the same records.
public enum OneRecordWriter {
    static let rootAttributes = [
        ("xmlns:rdf", XMLNamespace.rdfURI), ("xmlns:cargo", XMLNamespace.cargoURI), ("xmlns:cass", XMLNamespace.cassURI),
    ]

    public static func write(_ file: BillingFile) -> [UInt8] {
        let header = file.header
        let digits = ISO4217.minorDigits(of: header.currency) ?? header.minorDigits
        let prefix = Padding.zeros(String(header.airlinePrefix), to: 3)
        var out = XMLOutput()
        out.open("rdf:RDF", rootAttributes)
        let about = "urn:opencass:file:\(prefix):\(header.operation):\(header.period.yyyymmnn):\(Padding.zeros(String(header.fileSequence), to: 6))"
        out.open("cass:BillingFile", [("rdf:about", about)])
        out.value("cass:formatVersion", Padding.zeros(String(header.formatVersion), to: 2))
        out.value("cass:operation", header.operation)
        out.value("cass:billingPeriod", String(header.period.yyyymmnn))
        out.value("cass:fileSequenceNumber", String(header.fileSequence))
        out.value("cass:creationDate", header.creationDate.description)
        out.resource("cass:currency", CodeList.currency(header.currency))
        out.node("cass:carrier", "cargo:Carrier") { $0.value("cargo:prefix", prefix) }
        out.value("cass:transactionCount", String(file.trailer.recordCount))
        out.value("cass:netDueTotal", Money.decimalString(file.trailer.netDueTotal, digits: digits))
        out.value("cass:weightChargeTotal", Money.decimalString(file.trailer.weightChargeTotal, digits: digits))
        for (index, record) in file.records.enumerated() {
            out.node("cass:transaction", "cass:BillingTransaction") { out in
                writeTransaction(record, position: index + 1, file: file, digits: digits, to: &out)
            }
        }
        out.close("cass:BillingFile")
        out.close("rdf:RDF")
        return out.bytes
    }

    private static func writeTransaction(_ record: BillingRecord, position: Int, file: BillingFile, digits: Int, to out: inout XMLOutput) {
        out.value("cass:sequence", String(position))
        out.value("cass:transactionType", record.transaction.code)
        if record.currency.description != file.header.currency {
            out.resource("cass:currency", CodeList.currency(record.currency.description))
        }
        out.node("cass:waybill", "cargo:Waybill") { out in
            out.resource("cargo:waybillType", CodeList.masterWaybill)
            out.value("cargo:waybillPrefix", Padding.zeros(String(record.airlinePrefix), to: 3))
            out.value("cargo:waybillNumber", Padding.zeros(String(record.awbSerial), to: 8))
            out.resource("cargo:weightValuationIndicator", CodeList.prepaidCollect(record.indicator.code))
            for (property, code) in [("cargo:departureLocation", record.origin), ("cargo:arrivalLocation", record.destination)] {
                out.node(property, "cargo:Location") { out in
                    out.node("cargo:locationCodes", "cargo:CodeListElement") { $0.value("cargo:code", code.description) }
                }
            }
            out.node("cargo:involvedParties", "cargo:Party") { out in
                out.resource("cargo:partyRole", CodeList.participant("AGT"))
                out.node("cargo:partyDetails", "cargo:Company") { out in
                    out.value("cargo:iataCargoAgentCode", Padding.zeros(String(record.agentCode / 10_000), to: 7))
                    out.value("cargo:iataCargoAgentLocationIdentifier", Padding.zeros(String(record.agentCode % 10_000), to: 4))
                }
            }
            out.node("cargo:waybillLineItems", "cargo:WaybillLineItem") { out in
                out.node("cargo:chargeableWeight", "cargo:Value") { out in
                    let tenths = record.chargeableWeightTenthsKg
                    out.value("cargo:numericalValue", "\(tenths / 10).\(tenths % 10)")
                    out.resource("cargo:unit", CodeList.measurementUnit("KGM"))
                }
            }
            for charge in file.otherCharges(of: record) {
                out.node("cargo:otherCharges", "cargo:OtherCharge") { out in
                    out.resource("cargo:otherChargeCode", CodeList.otherCharge(charge.code.description))
                    out.resource("cargo:entitlement", CodeList.entitlement(charge.dueCarrier ? "C" : "A"))
                    out.node("cargo:otherChargeAmount", "cargo:CurrencyValue") { out in
                        out.value("cargo:numericalValue", Money.decimalString(charge.amount, digits: digits))
                    }
                }
            }
            out.node("cargo:billingDetails", "cargo:BillingDetails") { out in
                out.value("cargo:awbExecutionDate", executionDate(record.issueDateDigits))
                out.value("cargo:commissionPercentage", Money.decimalString(Int64(record.commissionRate), digits: 2))
            }
        }
        let amounts: [(String, Int64)] = [
            ("WT", record.weightCharge), ("VC", record.valuationCharge), ("OC", record.otherChargesDueCarrier), ("OA", record.otherChargesDueAgent),
            ("CO", record.commission), ("SI", record.incentive), ("CN", record.netDue),
        ]
        // An absent charge is zero; the weight charge and net due are always written.
        for (identifier, amount) in amounts where amount != 0 || identifier == "WT" || identifier == "CN" {
            writeRatings("cass:charge", identifier: identifier, amount: amount, digits: digits, to: &out)
        }
        let reason = String(record.reasonCode.description.reversed().drop { $0 == " " }.reversed())
        if !reason.isEmpty { out.value("cass:reasonCode", reason) }
    }

    static func writeRatings(_ property: String, identifier: String, amount: Int64, digits: Int, to out: inout XMLOutput) {
        out.node(property, "cargo:Ratings") { out in
            out.resource("cargo:billingChargeIdentifier", CodeList.chargeIdentifier(identifier))
            out.value("cargo:subTotal", Money.decimalString(amount, digits: digits))
        }
    }

    /// `YYYY-MM-DDT00:00:00Z` from `YYYYMMDD` digits, written as they are
    /// even when they are not a calendar date.
    static func executionDate(_ digits: Int32) -> String {
        let text = Padding.zeros(String(digits), to: 8)
        let bytes = Array(text.utf8)
        guard bytes.count == 8 else { return text }
        return String(decoding: bytes[0..<4], as: UTF8.self) + "-" + String(decoding: bytes[4..<6], as: UTF8.self) + "-"
            + String(decoding: bytes[6..<8], as: UTF8.self) + "T00:00:00Z"
    }
}
