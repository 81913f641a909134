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
        var out = XMLOutput()
        write(file, to: &out)
        return out.bytes
    }

    /// The same graph as JSON-LD (`cass convert --to jsonld`).
    public static func writeJSONLD(_ file: BillingFile) -> [UInt8] {
        var out = JSONLDOutput()
        write(file, to: &out)
        return out.bytes
    }

    static func write<Output: GraphOutput>(_ file: BillingFile, to out: inout Output) {
        let header = file.header
        let prefix = Padding.zeros(String(header.airlinePrefix), to: 3)
        let about = "urn:opencass:file:\(prefix):\(header.operation):\(header.period.text):\(Padding.zeros(String(header.fileSequence), to: 6))"
        out.document(type: "cass:BillingFile", about: about) { out in writeFile(file, to: &out) }
    }

    private static func writeFile<Output: GraphOutput>(_ file: BillingFile, to out: inout Output) {
        let header = file.header
        let digits = ISO4217.minorDigits(of: header.currency) ?? header.minorDigits
        let prefix = Padding.zeros(String(header.airlinePrefix), to: 3)
        out.value("cass:formatVersion", Padding.zeros(String(header.formatVersion), to: 2))
        out.value("cass:operation", header.operation)
        out.value("cass:billingPeriod", header.period.text)
        out.value("cass:fileSequenceNumber", String(header.fileSequence))
        out.value("cass:creationDate", header.creationDate.description)
        out.resource("cass:currency", CodeList.currency(header.currency))
        out.inline { $0.node("cass:carrier", "cargo:Carrier") { $0.value("cargo:prefix", prefix) } }
        out.value("cass:transactionCount", String(file.trailer.recordCount))
        out.value("cass:netDueTotal", amountText(file.trailer.netDueTotal, digits: digits, negativeZero: file.trailer.negativeZeroTotals & NegativeZero.netDue != 0))
        out.value("cass:weightChargeTotal", amountText(file.trailer.weightChargeTotal, digits: digits, negativeZero: file.trailer.negativeZeroTotals & NegativeZero.weightCharge != 0))
        out.repeated("cass:transaction") { out in
            for (index, record) in file.records.enumerated() {
                out.node("cass:transaction", "cass:BillingTransaction") { out in
                    writeTransaction(record, position: index + 1, file: file, digits: digits, to: &out)
                }
            }
        }
    }

    private static func writeTransaction<Output: GraphOutput>(_ record: BillingRecord, position: Int, file: BillingFile, digits: Int, to out: inout Output) {
        let found = AsFound(record)
        out.value("cass:sequence", String(position))
        out.value("cass:transactionType", found["transaction"] ?? record.transaction.code)
        if record.currency.description != file.header.currency {
            out.resource("cass:currency", CodeList.currency(record.currency.description))
        }
        out.node("cass:waybill", "cargo:Waybill") { out in
            out.resource("cargo:waybillType", CodeList.masterWaybill)
            out.value("cargo:waybillPrefix", found["airline prefix"] ?? Padding.zeros(String(record.airlinePrefix), to: 3))
            out.value("cargo:waybillNumber", found["AWB serial number"] ?? Padding.zeros(String(record.awbSerial), to: 8))
            out.resource("cargo:weightValuationIndicator", CodeList.prepaidCollect(found["charges indicator"] ?? record.indicator.code))
            for (property, code) in [("cargo:departureLocation", record.origin), ("cargo:arrivalLocation", record.destination)] {
                out.inline { out in
                    out.node(property, "cargo:Location") { out in
                        out.node("cargo:locationCodes", "cargo:CodeListElement") { $0.value("cargo:code", code.description) }
                    }
                }
            }
            out.node("cargo:involvedParties", "cargo:Party") { out in
                out.resource("cargo:partyRole", CodeList.participant("AGT"))
                out.node("cargo:partyDetails", "cargo:Company") { out in
                    out.value("cargo:iataCargoAgentCode", found["CASS agent code"] ?? Padding.zeros(String(record.agentCode / 10_000), to: 7))
                    out.value("cargo:iataCargoAgentLocationIdentifier", Padding.zeros(String(record.agentCode % 10_000), to: 4))
                }
            }
            out.node("cargo:waybillLineItems", "cargo:WaybillLineItem") { out in
                out.inline { out in out.node("cargo:chargeableWeight", "cargo:Value") { out in
                    let tenths = record.chargeableWeightTenthsKg
                    out.value("cargo:numericalValue", found["chargeable weight"] ?? "\(tenths / 10).\(tenths % 10)")
                    out.resource("cargo:unit", CodeList.measurementUnit("KGM"))
                } }
            }
            let charges = file.otherCharges(of: record)
            if !charges.isEmpty { out.repeated("cargo:otherCharges") { out in for charge in charges {
                out.node("cargo:otherCharges", "cargo:OtherCharge") { out in
                    out.resource("cargo:otherChargeCode", CodeList.otherCharge(charge.code.description))
                    out.resource("cargo:entitlement", CodeList.entitlement(charge.dueCarrier ? "C" : "A"))
                    out.inline { out in
                        out.node("cargo:otherChargeAmount", "cargo:CurrencyValue") { out in
                            out.value("cargo:numericalValue", amountText(charge.amount, digits: digits, negativeZero: charge.amountIsNegativeZero))
                        }
                    }
                }
            } } }
            out.node("cargo:billingDetails", "cargo:BillingDetails") { out in
                out.value("cargo:awbExecutionDate", found["AWB issue date"] ?? executionDate(record.issueDateDigits))
                out.value("cargo:commissionPercentage", found["commission rate"] ?? Money.decimalString(Int64(record.commissionRate), digits: 2))
            }
        }
        // An absent charge is zero; the weight charge and net due are always written.
        out.repeated("cass:charge") { out in
            for (identifier, amount, field, bit) in chargeAmounts(record) {
                let negativeZero = record.negativeZeroAmounts & bit != 0
                if let text = found[field] {
                    writeRatings("cass:charge", identifier: identifier, text: text, to: &out)
                } else if amount != 0 || negativeZero || identifier == "WT" || identifier == "CN" {
                    writeRatings("cass:charge", identifier: identifier, text: amountText(amount, digits: digits, negativeZero: negativeZero), to: &out)
                }
            }
        }
        let reason = String(record.reasonCode.description.reversed().drop { $0 == " " }.reversed())
        if let text = found["reason code"] ?? found.unplaced {
            out.value("cass:reasonCode", text)
        } else if !reason.isEmpty {
            out.value("cass:reasonCode", reason)
        }
    }

    /// The seven `cass:charge` amounts of a record: ChargeIdentifier,
    /// amount, the field's name in rejections, its `NegativeZero` bit.
    static func chargeAmounts(_ record: BillingRecord) -> [(String, Int64, String, UInt8)] {
        [
            ("WT", record.weightCharge, "weight charge", NegativeZero.weightCharge),
            ("VC", record.valuationCharge, "valuation charge", NegativeZero.valuationCharge),
            ("OC", record.otherChargesDueCarrier, "other charges due carrier", NegativeZero.otherChargesDueCarrier),
            ("OA", record.otherChargesDueAgent, "other charges due agent", NegativeZero.otherChargesDueAgent),
            ("CO", record.commission, "commission amount", NegativeZero.commission),
            ("SI", record.incentive, "incentive amount", NegativeZero.incentive),
            ("CN", record.netDue, "net amount due", NegativeZero.netDue),
        ]
    }

    /// An amount in major units; a zero the source wrote with a minus sign keeps it.
    static func amountText(_ value: Int64, digits: Int, negativeZero: Bool) -> String {
        let text = Money.decimalString(value, digits: digits)
        return value == 0 && negativeZero ? "-" + text : text
    }

    static func writeRatings<Output: GraphOutput>(_ property: String, identifier: String, text: String, to out: inout Output) {
        out.inline { out in
            out.node(property, "cargo:Ratings") { out in
                out.resource("cargo:billingChargeIdentifier", CodeList.chargeIdentifier(identifier))
                out.value("cargo:subTotal", text)
            }
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

/// A malformed record (R12) must stay malformed in the other format, or
/// converting would turn a rejected record into a billed one. Its malformed
/// field is written as it was found with a `!` after it, which no field of
/// the format accepts; a field the XML has no element for (the CBF's unused
/// positions, an OCH line's fields) marks the reason code instead.
struct AsFound {
    private var field = ""
    private var text: String?

    init(_ record: BillingRecord) {
        guard let problem = record.malformed else { return }
        var found = problem.found
        if found.count >= 2, found.hasPrefix("'"), found.hasSuffix("'") { found = String(found.dropFirst().dropLast()) }
        field = problem.field
        text = found + "!"
    }

    subscript(field: String) -> String? { field == self.field ? text : nil }

    static let placedFields: Set<String> = [
        "transaction", "airline prefix", "AWB serial number", "charges indicator", "CASS agent code", "chargeable weight", "AWB issue date",
        "commission rate", "weight charge", "valuation charge", "other charges due carrier", "other charges due agent", "commission amount",
        "incentive amount", "net amount due", "reason code",
    ]

    /// The mark for a malformed field that has no element of its own.
    var unplaced: String? {
        guard text != nil, !Self.placedFields.contains(field) else { return nil }
        return "!"
    }
}
