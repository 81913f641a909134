import CASSDomain

/// Writes an issued invoice (the CASS Cargo Sales Report) as ONE Record
/// RDF/XML: a `cass:Invoice` with one `cass:InvoiceSection` per airline,
/// each line pointing at its `cargo:Waybill` by prefix and number, amounts
/// as `cargo:Ratings` keyed by ChargeIdentifier, taxes and totals.
/// docs/onerecord-xml.md describes every element.
public enum InvoiceXMLWriter {
    public static func write(_ invoice: Invoice, reference: ReferenceData) -> [UInt8] {
        let digits = invoice.minorDigits
        func money(_ value: Int64) -> String { Money.decimalString(value, digits: digits) }
        var out = XMLOutput()
        out.open("rdf:RDF", OneRecordWriter.rootAttributes)
        out.open("cass:Invoice", [("rdf:about", "urn:opencass:invoice:" + invoice.number)])
        out.value("cass:invoiceNumber", invoice.number)
        out.value("cass:operation", invoice.country)
        if let operation = reference.operation(invoice.country) {
            out.node("cass:issuer", "cargo:Company") { out in
                out.value("cargo:name", operation.entityName)
                if !operation.entityTaxID.isEmpty { out.value("cass:taxIdentifier", operation.entityTaxID) }
            }
        }
        out.value("cass:billingPeriod", String(invoice.period.yyyymmnn))
        out.value("cass:invoiceDate", invoice.invoiceDate.description)
        out.value("cass:remittanceDate", invoice.remittanceDate.description)
        out.resource("cass:currency", CodeList.currency(invoice.currency))
        let agent = reference.agent(invoice.agentCode, in: invoice.country)
        out.node("cass:agent", "cargo:Company") { out in
            if let agent { out.value("cargo:name", agent.name) }
            out.value("cargo:iataCargoAgentCode", Padding.zeros(String(invoice.agentCode / 10_000), to: 7))
            out.value("cargo:iataCargoAgentLocationIdentifier", Padding.zeros(String(invoice.agentCode % 10_000), to: 4))
            if let agent, !agent.taxID.isEmpty { out.value("cass:taxIdentifier", agent.taxID) }
            if let agent, !agent.address.isEmpty { out.value("cass:address", agent.address) }
        }
        out.value("cass:lineCount", String(invoice.lineCount))
        for section in invoice.sections {
            out.node("cass:section", "cass:InvoiceSection") { out in
                writeSection(section, reference: reference, digits: digits, to: &out)
            }
        }
        writeTotals(netDue: invoice.netDue, taxCharged: invoice.taxCharged, taxCredited: invoice.taxCredited, total: invoice.total, digits: digits, to: &out)
        out.close("cass:Invoice")
        out.close("rdf:RDF")
        return out.bytes
    }

    private static func writeSection(_ section: InvoiceSection, reference: ReferenceData, digits: Int, to out: inout XMLOutput) {
        let prefix = Padding.zeros(String(section.airlinePrefix), to: 3)
        out.node("cass:carrier", "cargo:Carrier") { out in
            out.value("cargo:prefix", prefix)
            if let airline = reference.airline(section.airlinePrefix) { out.value("cargo:name", airline.name) }
        }
        for (index, line) in section.lines.enumerated() {
            out.node("cass:line", "cass:InvoiceLine") { out in
                out.value("cass:lineNumber", String(index + 1))
                out.value("cass:transactionType", line.transaction.code)
                out.inline { out in
                    out.node("cass:waybill", "cargo:Waybill", [("rdf:about", "urn:opencass:awb:\(prefix)-\(Padding.zeros(String(line.awbSerial), to: 8))")]) { out in
                        out.value("cargo:waybillPrefix", prefix)
                        out.value("cargo:waybillNumber", Padding.zeros(String(line.awbSerial), to: 8))
                    }
                }
                out.value("cass:issueDate", line.issueDate.description)
                out.value("cass:origin", line.origin)
                out.value("cass:destination", line.destination)
                out.value("cass:chargeableWeight", Money.decimalString(line.chargeableWeightTenthsKg, digits: 1))
                // Prepaid or collect, as the billing record says it (memos have none).
                if let indicator = line.chargesIndicator {
                    out.resource("cargo:weightValuationIndicator", CodeList.prepaidCollect(indicator.code))
                }
                for (identifier, amount) in [("WT", line.weightCharge), ("VC", line.valuationCharge), ("OC", line.otherChargesDueCarrier),
                                             ("CO", line.commission), ("SI", line.incentive), ("CN", line.amount)]
                where amount != 0 || identifier == "CN" {
                    OneRecordWriter.writeRatings("cass:charge", identifier: identifier, text: Money.decimalString(amount, digits: digits), to: &out)
                }
                let reason = line.reasonCode.trimmingSpaces
                if !reason.isEmpty { out.value("cass:reasonCode", reason) }
                out.value("cass:sourceFile", line.sourceFile)
                out.value("cass:sourceSequence", String(line.sourceSequence))
            }
        }
        for tax in section.taxes {
            out.node("cass:tax", "cass:TaxLine") { out in
                out.value("cass:taxCode", tax.code)
                out.value("cass:description", tax.description)
                out.value("cass:taxBase", tax.base.rawValue)
                out.value("cass:ratePercentage", Money.decimalString(tax.rateHundredthsPercent, digits: 2))
                out.value("cass:direction", tax.direction.rawValue)
                out.value("cass:baseAmount", Money.decimalString(tax.baseAmount, digits: digits))
                out.value("cass:amount", Money.decimalString(tax.amount, digits: digits))
            }
        }
        writeTotals(netDue: section.netDue, taxCharged: section.taxCharged, taxCredited: section.taxCredited, total: section.total, digits: digits, to: &out)
    }

    /// Totals are `cargo:Ratings` nodes under `cass:total`, told apart by
    /// `cass:totalType`: netDue, taxCharged, taxCredited, total.
    private static func writeTotals(netDue: Int64, taxCharged: Int64, taxCredited: Int64, total: Int64, digits: Int, to out: inout XMLOutput) {
        for (kind, amount) in [("netDue", netDue), ("taxCharged", taxCharged), ("taxCredited", taxCredited), ("total", total)] {
            out.inline { out in
                out.node("cass:total", "cargo:Ratings") { out in
                    out.value("cass:totalType", kind)
                    out.value("cargo:subTotal", Money.decimalString(amount, digits: digits))
                }
            }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
