import CASSDomain
import CASSEngine

// Binary forms of the domain values that cross stages in volume: invoice
// lines (every billed AWB travels twice as one, in draft and issued
// invoices) and rejections. JSON of these was a third of a settle run's
// instructions. Layouts are in Topics/README.md (schema version 3).

/// The transaction byte of an invoice or billed line (schema version 3):
/// bits 0-5 the transaction, bit 6 set when the charges indicator is known,
/// bit 7 set when it is collect. Version 2 messages and state written
/// before have neither bit: their lines' indicator is unknown (nil).
enum LineTransactionByte {
    static let known: UInt8 = 0x40
    static let collect: UInt8 = 0x80

    static func encode(_ transaction: TransactionType, _ indicator: ChargesIndicator?) -> UInt8 {
        guard let indicator else { return transaction.rawValue }
        return transaction.rawValue | known | (indicator == .collect ? collect : 0)
    }

    static func decode(_ byte: UInt8) throws(DecodingFailure) -> (TransactionType, ChargesIndicator?) {
        guard let transaction = TransactionType(rawValue: byte & 0x3F) else { throw DecodingFailure("bad transaction") }
        guard byte & known != 0 else {
            guard byte & collect == 0 else { throw DecodingFailure("bad transaction byte \(byte): collect without known") }
            return (transaction, nil)
        }
        return (transaction, byte & collect != 0 ? .collect : .prepaid)
    }
}

extension BinaryWriter {
    mutating func rejections(_ list: [Rejection]) {
        i32(Int32(list.count))
        for item in list {
            string(item.file); string(item.airline); string(item.country); string(item.period)
            i64(Int64(item.sequence)); string(item.awb)
            let problem = item.problem
            string(problem.code.rawValue); string(problem.field); string(problem.location)
            string(problem.expected); string(problem.found); string(problem.message)
        }
    }

    mutating func invoiceLines(_ lines: [InvoiceLine]) {
        i32(Int32(lines.count))
        var lastFile = ""
        for line in lines {
            // Lines of one part nearly always come from a few files.
            let newFile = line.sourceFile != lastFile
            u8(newFile ? 1 : 0)
            if newFile { string(line.sourceFile); lastFile = line.sourceFile }
            string(line.awb); i32(line.awbSerial); u8(LineTransactionByte.encode(line.transaction, line.chargesIndicator)); date(line.issueDate)
            string(line.origin); string(line.destination); i64(line.chargeableWeightTenthsKg); i64(line.weightCharge)
            i64(line.valuationCharge); i64(line.otherChargesDueCarrier); i64(line.commission); i64(line.incentive)
            i64(line.amount); string(line.reasonCode); i32(line.sourceSequence)
        }
    }

    mutating func linePart(_ part: LinePart) {
        i64(Int64(part.index)); i64(Int64(part.count)); i32(part.airlinePrefix)
        invoiceLines(part.lines)
    }

    mutating func invoice(_ invoice: Invoice) {
        string(invoice.number); string(invoice.country); period(invoice.period); string(invoice.currency)
        i64(Int64(invoice.minorDigits)); date(invoice.invoiceDate); date(invoice.remittanceDate); i64(invoice.agentCode)
        i64(Int64(invoice.lineCount)); i64(invoice.netDue); i64(invoice.taxCharged); i64(invoice.taxCredited); i64(invoice.total)
        i32(Int32(invoice.sections.count))
        for section in invoice.sections {
            i32(section.airlinePrefix); i64(section.netDue); i64(section.taxCharged); i64(section.taxCredited); i64(section.total)
            i32(Int32(section.taxes.count))
            for tax in section.taxes {
                string(tax.code); string(tax.description); string(tax.base.rawValue); i64(tax.rateHundredthsPercent)
                string(tax.direction.rawValue); i64(tax.baseAmount); i64(tax.amount)
            }
            invoiceLines(section.lines)
        }
    }

    mutating func invoices(_ list: [Invoice]) {
        i32(Int32(list.count))
        for item in list { invoice(item) }
    }
}

extension BinaryReader {
    /// A count that cannot be negative nor claim more items than bytes left.
    mutating func count(atLeast bytesPerItem: Int) throws(DecodingFailure) -> Int {
        let value = Int(try i32())
        guard value >= 0, value <= (bytes.count - position) / max(1, bytesPerItem) else {
            throw DecodingFailure("implausible item count \(value) at \(position)")
        }
        return value
    }

    mutating func rejections() throws(DecodingFailure) -> [Rejection] {
        let n = try count(atLeast: 52)
        var list: [Rejection] = []
        list.reserveCapacity(n)
        for _ in 0..<n {
            let file = try string(), airline = try string(), country = try string(), period = try string()
            let sequence = Int(try i64()), awb = try string()
            let codeText = try string()
            guard let code = RejectionCode(rawValue: codeText) else { throw DecodingFailure("unknown rejection code '\(codeText)'") }
            let problem = Problem(code: code, field: try string(), location: try string(), expected: try string(), found: try string(), message: try string())
            list.append(Rejection(file: file, airline: airline, country: country, period: period, sequence: sequence, awb: awb, problem: problem))
        }
        return list
    }

    mutating func invoiceLines() throws(DecodingFailure) -> [InvoiceLine] {
        var lines: [InvoiceLine] = []
        try appendInvoiceLines(to: &lines)
        return lines
    }

    /// The lines `BinaryWriter.invoiceLines` wrote, appended to `lines`
    /// (which the caller may have sized for several parts).
    mutating func appendInvoiceLines(to lines: inout [InvoiceLine]) throws(DecodingFailure) {
        let n = try count(atLeast: 86)
        lines.reserveCapacity(lines.count + n)
        var file = ""
        for _ in 0..<n {
            if try u8() != 0 { file = try string() }
            let awb = try string(), serial = try i32()
            let (transaction, indicator) = try LineTransactionByte.decode(try u8())
            let issueDate = try date(), origin = try string(), destination = try string()
            let weight = try i64(), weightCharge = try i64(), valuation = try i64(), ocdc = try i64()
            let commission = try i64(), incentive = try i64(), amount = try i64(), reason = try string(), sequence = try i32()
            lines.append(InvoiceLine(
                awb: awb, awbSerial: serial, transaction: transaction, issueDate: issueDate, origin: origin, destination: destination,
                chargeableWeightTenthsKg: weight, weightCharge: weightCharge, valuationCharge: valuation, otherChargesDueCarrier: ocdc,
                commission: commission, incentive: incentive, amount: amount, reasonCode: reason, sourceFile: file, sourceSequence: sequence,
                chargesIndicator: indicator))
        }
    }

    mutating func linePart() throws(DecodingFailure) -> LinePart {
        let index = Int(try i64()), count = Int(try i64()), airline = try i32()
        return LinePart(index: index, count: count, airlinePrefix: airline, lines: try invoiceLines())
    }

    mutating func invoice() throws(DecodingFailure) -> Invoice {
        let number = try string(), country = try string(), period = try period(), currency = try string()
        let minorDigits = Int(try i64()), invoiceDate = try date(), remittanceDate = try date(), agent = try i64()
        let lineCount = Int(try i64()), netDue = try i64(), taxCharged = try i64(), taxCredited = try i64(), total = try i64()
        let sectionCount = try count(atLeast: 44)
        var sections: [InvoiceSection] = []
        sections.reserveCapacity(sectionCount)
        for _ in 0..<sectionCount {
            let airline = try i32(), sNet = try i64(), sCharged = try i64(), sCredited = try i64(), sTotal = try i64()
            let taxCount = try count(atLeast: 40)
            var taxes: [TaxLine] = []
            for _ in 0..<taxCount {
                let code = try string(), description = try string(), baseText = try string(), rate = try i64()
                let directionText = try string(), baseAmount = try i64(), amount = try i64()
                guard let base = TaxBase(rawValue: baseText), let direction = TaxDirection(rawValue: directionText) else {
                    throw DecodingFailure("bad tax base '\(baseText)' or direction '\(directionText)'")
                }
                taxes.append(TaxLine(code: code, description: description, base: base, rateHundredthsPercent: rate, direction: direction, baseAmount: baseAmount, amount: amount))
            }
            sections.append(InvoiceSection(airlinePrefix: airline, lines: try invoiceLines(), taxes: taxes, netDue: sNet, taxCharged: sCharged, taxCredited: sCredited, total: sTotal))
        }
        return Invoice(number: number, country: country, period: period, currency: currency, minorDigits: minorDigits, invoiceDate: invoiceDate,
                       remittanceDate: remittanceDate, agentCode: agent, sections: sections, lineCount: lineCount, netDue: netDue,
                       taxCharged: taxCharged, taxCredited: taxCredited, total: total)
    }

    mutating func invoices() throws(DecodingFailure) -> [Invoice] {
        let n = try count(atLeast: 80)
        var list: [Invoice] = []
        list.reserveCapacity(n)
        for _ in 0..<n { list.append(try invoice()) }
        return list
    }
}

/// Invoices and line parts kept in cass.state: binary behind a marker byte
/// (2); values journalled as JSON before (they start with `{`) still read.
enum StateValue {
    static let binaryMarker: UInt8 = 2

    static func encode(_ part: LinePart) -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + part.lines.count * 120)
        w.u8(binaryMarker)
        w.linePart(part)
        return w.bytes
    }

    static func encode(_ invoice: Invoice) -> [UInt8] {
        var w = BinaryWriter(capacity: 512)
        w.u8(binaryMarker)
        w.invoice(invoice)
        return w.bytes
    }

    static func linePart(_ bytes: [UInt8]) throws -> LinePart {
        if bytes.first == UInt8(ascii: "{") { return try StageMessage.unjson(LinePart.self, bytes) }
        var r = BinaryReader(bytes)
        guard try r.u8() == binaryMarker else { throw DecodingFailure("unknown state value format") }
        return try r.linePart()
    }

    static func invoice(_ bytes: [UInt8]) throws -> Invoice {
        if bytes.first == UInt8(ascii: "{") { return try StageMessage.unjson(Invoice.self, bytes) }
        var r = BinaryReader(bytes)
        guard try r.u8() == binaryMarker else { throw DecodingFailure("unknown state value format") }
        return try r.invoice()
    }
}
