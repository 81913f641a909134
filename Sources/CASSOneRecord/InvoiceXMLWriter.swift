import CASSDomain

/// Writes an issued invoice (the CASS Cargo Sales Report) as ONE Record
/// RDF/XML: a `cass:Invoice` with one `cass:InvoiceSection` per airline,
/// each line pointing at its `cargo:Waybill` by prefix and number, amounts
/// as `cargo:Ratings` keyed by ChargeIdentifier, taxes and totals.
/// docs/onerecord-xml.md describes every element.
public enum InvoiceXMLWriter {
    public static func write(_ invoice: Invoice, reference: ReferenceData) -> [UInt8] {
        let digits = invoice.minorDigits
        // About 1,500 bytes a line (the issue's 1,800 invoices: at most
        // 1,511 past the first 8 KiB), plus the sections' taxes and totals:
        // room for all of it, so the buffer does not grow (at 1,024 a line
        // every invoice's buffer grew once, a copy of the document).
        var out = XMLOutput(capacity: 8192 + invoice.lineCount * 1792)
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
        out.value("cass:billingPeriod", invoice.period.text)
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
        // Per line, numbers, dates and the waybill IRI go straight into the
        // buffer (DecimalBytes), and the code-list IRIs are made once here:
        // a String per value was most of this document's cost. Same bytes.
        let chargeResources = Self.chargeResources
        let prepaidResource = Self.prepaidResource, collectResource = Self.collectResource
        let prefixBytes = Array(prefix.utf8)
        let tag = Self.lineTags
        // Each line read in place through a pointer: `for (index, line) in
        // enumerated()` copied the line (retaining its texts) and the
        // closures below that captured it copied it again, three copies a
        // line. Same bytes.
        section.lines.withUnsafeBufferPointer { lines in
        guard let first = lines.baseAddress else { return }
        for index in lines.indices {
            let line = first + index
            // One text line per invoice line: still read line by line, and
            // the indentation of its fourteen-odd elements was a tenth of
            // the file (at period close every byte written costs its copy
            // into the page cache and its SHA-256).
            out.inline { out in
            out.node(tag.line, tag.invoiceLine) { out in
                out.value(tag.lineNumber) { DecimalBytes.append(Int64(index) + 1, to: &$0) }
                out.value(tag.transactionType, line.pointee.transaction.code)
                out.inline { out in
                    out.node("cass:waybill", "cargo:Waybill", attribute: "rdf:about", unescaped: { bytes in
                        // urn:opencass:awb:PPP-SSSSSSSS: digits and constants only.
                        bytes.append("urn:opencass:awb:" as StaticString)
                        bytes.append(prefixBytes)
                        bytes.append(UInt8(ascii: "-"))
                        DecimalBytes.appendZeroPadded(Int64(line.pointee.awbSerial), width: 8, to: &bytes)
                    }) { out in
                        out.value(tag.waybillPrefix, prefix)
                        out.value(tag.waybillNumber) { DecimalBytes.appendZeroPadded(Int64(line.pointee.awbSerial), width: 8, to: &$0) }
                    }
                }
                out.value(tag.issueDate) { DecimalBytes.appendDate(line.pointee.issueDate, to: &$0) }
                out.value(tag.origin, line.pointee.origin)
                out.value(tag.destination, line.pointee.destination)
                out.value(tag.chargeableWeight) { DecimalBytes.appendMoney(line.pointee.chargeableWeightTenthsKg, digits: 1, to: &$0) }
                // Prepaid or collect, as the billing record says it (memos have none).
                if let indicator = line.pointee.chargesIndicator {
                    out.resource(prepared: indicator == .prepaid ? prepaidResource : collectResource)
                }
                // In the order of `chargeIdentifiers`; zero amounts left out but the line amount (CN).
                let amounts = (line.pointee.weightCharge, line.pointee.valuationCharge, line.pointee.otherChargesDueCarrier, line.pointee.commission, line.pointee.incentive, line.pointee.amount)
                func charge(_ slot: Int, _ amount: Int64) {
                    guard amount != 0 || slot == 5 else { return }
                    out.inline { out in
                        out.node(tag.charge, tag.ratings) { out in
                            out.resource(prepared: chargeResources[slot])
                            out.value(tag.subTotal) { DecimalBytes.appendMoney(amount, digits: digits, to: &$0) }
                        }
                    }
                }
                charge(0, amounts.0); charge(1, amounts.1); charge(2, amounts.2); charge(3, amounts.3); charge(4, amounts.4); charge(5, amounts.5)
                let reason = Self.trimmingSpaces(line.pointee.reasonCode)
                if !reason.isEmpty { out.value(tag.reasonCode, reason) }
                out.value(tag.sourceFile, line.pointee.sourceFile)
                out.value(tag.sourceSequence) { DecimalBytes.append(Int64(line.pointee.sourceSequence), to: &$0) }
            }
            }
        }
        }
        for tax in section.taxes {
            out.node("cass:tax", "cass:TaxLine") { out in
                out.value("cass:taxCode", tax.code)
                out.value("cass:description", tax.description)
                out.value("cass:taxBase", tax.base.rawValue)
                out.value("cass:ratePercentage") { DecimalBytes.appendMoney(tax.rateHundredthsPercent, digits: 2, to: &$0) }
                out.value("cass:direction", tax.direction.rawValue)
                out.value("cass:baseAmount") { DecimalBytes.appendMoney(tax.baseAmount, digits: digits, to: &$0) }
                out.value("cass:amount") { DecimalBytes.appendMoney(tax.amount, digits: digits, to: &$0) }
            }
        }
        writeTotals(netDue: section.netDue, taxCharged: section.taxCharged, taxCredited: section.taxCredited, total: section.total, digits: digits, to: &out)
    }

    /// A line's charges, in the order they are written (WT, VC, OC, CO,
    /// SI, CN): what `OneRecordWriter.writeRatings` wrote for each.
    static let chargeIdentifiers = ["WT", "VC", "OC", "CO", "SI", "CN"]

    /// The tags of a line's elements, made once (`XMLTag`).
    struct LineTags {
        let line = XMLTag("cass:line"), invoiceLine = XMLTag("cass:InvoiceLine"), lineNumber = XMLTag("cass:lineNumber")
        let transactionType = XMLTag("cass:transactionType"), waybillPrefix = XMLTag("cargo:waybillPrefix")
        let waybillNumber = XMLTag("cargo:waybillNumber"), issueDate = XMLTag("cass:issueDate"), origin = XMLTag("cass:origin")
        let destination = XMLTag("cass:destination"), chargeableWeight = XMLTag("cass:chargeableWeight"), charge = XMLTag("cass:charge")
        let ratings = XMLTag("cargo:Ratings"), subTotal = XMLTag("cargo:subTotal"), reasonCode = XMLTag("cass:reasonCode")
        let sourceFile = XMLTag("cass:sourceFile"), sourceSequence = XMLTag("cass:sourceSequence")
    }

    static let lineTags = LineTags()

    /// The code-list elements of every line, escaped once (XMLOutput.preparedResource).
    static let chargeResources = chargeIdentifiers.map { XMLOutput.preparedResource("cargo:billingChargeIdentifier", CodeList.chargeIdentifier($0)) }
    static let prepaidResource = XMLOutput.preparedResource("cargo:weightValuationIndicator", CodeList.prepaidCollect(ChargesIndicator.prepaid.code))
    static let collectResource = XMLOutput.preparedResource("cargo:weightValuationIndicator", CodeList.prepaidCollect(ChargesIndicator.collect.code))

    /// `text.trimmingSpaces` (leading and trailing " " Characters dropped),
    /// on the UTF-8 bytes when the text is ASCII: reason codes are, and the
    /// Character-wise version cost more than the rest of the line. Non-ASCII
    /// text keeps the Character-wise trim, where a space followed by a
    /// combining mark is one Character and not a space.
    static func trimmingSpaces(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return text.trimmingSpaces }
        guard let first = utf8.firstIndex(where: { $0 != UInt8(ascii: " ") }), let last = utf8.lastIndex(where: { $0 != UInt8(ascii: " ") }) else { return "" }
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return text }
        return String(text[first...last])
    }

    /// Totals are `cargo:Ratings` nodes under `cass:total`, told apart by
    /// `cass:totalType`: netDue, taxCharged, taxCredited, total.
    private static func writeTotals(netDue: Int64, taxCharged: Int64, taxCredited: Int64, total: Int64, digits: Int, to out: inout XMLOutput) {
        for (kind, amount) in [("netDue", netDue), ("taxCharged", taxCharged), ("taxCredited", taxCredited), ("total", total)] {
            out.inline { out in
                out.node("cass:total", "cargo:Ratings") { out in
                    out.value("cass:totalType", kind)
                    out.value("cargo:subTotal") { DecimalBytes.appendMoney(amount, digits: digits, to: &$0) }
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
