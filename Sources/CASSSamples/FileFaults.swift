import CASSDomain

/// Deliberately broken files, one file-level code each. They are extra
/// files with AWBs of their own, so rejecting them whole leaves no later
/// correction without its AWB. Each breaks only its own rule, so the
/// spec's order (F06, F01, F05, F02, F03, F07, F08, F04) yields its code.
extension SampleWorld {
    static let fileCodes: [RejectionCode] = [.F01, .F02, .F03, .F04, .F05, .F06, .F07, .F08]

    /// `target` lends the identity (airline, operation, period); an F04
    /// file also takes its file sequence number, and sorts after it.
    mutating func brokenFile(_ code: RejectionCode, number: Int, target: PlannedFile) -> (name: String, bytes: [UInt8]) {
        let variant = nextVariant(code)
        var airline = target.airline
        var fileSequence = 900_000 + number
        let operation = target.profile.operation
        var slug = ""
        var currency: String?
        var minorDigits: Int?
        switch code {
        case .F04:
            fileSequence = target.fileSequence
            slug = "duplicate-of-accepted-file"
        case .F07 where variant % 2 == 0:
            currency = target.profile.foreignCurrency
            slug = "currency-not-the-operations"
        case .F07:
            minorDigits = operation.minorDigits == 2 ? 3 : 2
            slug = "wrong-minor-digits"
        case .F08:
            let outsiders = SampleReference.airlines.filter { !$0.operations.contains(operation.country) }.map(\.prefix)
            if variant % 2 == 0, !outsiders.isEmpty {
                airline = random.pick(outsiders)
                slug = "airline-not-participant"
            } else {
                airline = SampleReference.unknownAirline
                slug = "airline-unknown"
            }
        default:
            break
        }
        let context = context(operationIndex: target.operationIndex, airline: airline, period: target.period, currency: currency)
        let header = Self.header(context, period: target.period, fileSequence: fileSequence, minorDigits: minorDigits)
        var file = SampleFileBuilder(name: "", header: header, expectedLines: 12)
        for index in 0..<(1 + random.below(3)) {
            let awb = SampleBilling.identity(serial: freshSerial(airline), agent: random.pick(context.activeAgents), &random, context)
            let (record, charges) = SampleBilling.version(.awb, of: awb, weight: awb.weight, &random, context, forceOtherCharges: index == 0)
            file.append(record, charges: charges)
        }
        let ochAfterMemo = code == .F06 && variant % 5 == 4
        if ochAfterMemo {
            let awb = SampleBilling.identity(serial: freshSerial(airline), agent: random.pick(context.activeAgents), &random, context)
            file.append(SampleBilling.memo(.dcm, of: awb, &random, context), charges: [])
            let charge = OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: SampleBilling.minor(1_000, context), sequence: 0)
            file.appendRawLine(CBFWriter.otherChargeLine(charge, sequence: file.lineNumber + 1))
        }
        var trailer = file.correctTrailer
        if code == .F03 {
            switch variant % 3 {
            case 0: trailer.recordCount += 1; slug = "trailer-count"
            case 1: trailer.netDueTotal += 1; slug = "trailer-net-total"
            default: trailer.weightChargeTotal -= 1; slug = "trailer-weight-total"
            }
        }
        var bytes = file.finish(trailer: trailer)
        typealias H = CBFLayout.Header
        switch code {
        case .F01:
            switch variant % 3 {
            case 0:
                SampleLines.patch(line: 1, H.creationDate, with: String(target.period.year) + "1131", in: &bytes)
                slug = "creation-date-not-a-date"
            case 1:
                let beyond = operation.periodsPerMonth + 1
                SampleLines.patch(line: 1, H.period, with: String(target.period.yyyymmnn / 100) + String(beyond).leftPadded(2), in: &bytes)
                slug = "period-number-above-periods-per-month"
            default:
                SampleLines.remove(line: 1, from: &bytes)
                SampleLines.renumber(&bytes)
                slug = "header-missing"
            }
        case .F02:
            if variant % 2 == 0 {
                SampleLines.remove(line: SampleLines.lineCount(bytes), from: &bytes)
                slug = "trailer-missing"
            } else {
                SampleLines.patch(line: SampleLines.lineCount(bytes), CBFLayout.Trailer.recordCount, with: "00000A", in: &bytes)
                slug = "trailer-count-not-digits"
            }
        case .F05:
            SampleLines.patch(line: 1, H.formatVersion, with: "02", in: &bytes)
            slug = "format-version-02"
        case .F06:
            let lineLength = SampleFileBuilder.lineLength
            switch variant % 5 {
            case 0:
                bytes.remove(at: lineLength + CBFLayout.recordLength - 1)
                slug = "record-159-characters"
            case 1:
                bytes[lineLength + 154] = 9
                slug = "tab-in-record"
            case 2:
                SampleLines.patch(line: 3, CBFLayout.sequence, with: "000009", in: &bytes)
                slug = "sequence-number-gap"
            case 3:
                var line = [UInt8](repeating: UInt8(ascii: " "), count: CBFLayout.recordLength)
                CBFWriter.putBytes(Array("REM000000 remark lines are not part of the format".utf8), CBFLayoutField("line", position: 1, length: 50), 0, &line)
                SampleLines.insert(line, before: 2, into: &bytes)
                SampleLines.renumber(&bytes)
                slug = "unknown-record-type"
            default:
                slug = "och-after-memo"
            }
        default:
            break
        }
        let stem: String = String(airline).leftPadded(3) + "_" + operation.country + "_" + target.period.text
        let name: String = stem + "_" + String(fileSequence).leftPadded(6) + "_" + code.rawValue + "-" + slug + ".cbf"
        let identity = SampleLines.reportedIdentity(bytes)
        summary.injected[code, default: 0] += 1
        summary.expectedRejections.append(ExpectedRejection(
            file: name, airline: identity.airline, country: identity.country, period: identity.period,
            sequence: 0, code: code, awb: "", what: Self.fileFaultDescriptions[slug] ?? slug.replacingDashes))
        summary.billingRecords += file.recordCount
        summary.otherChargeLines += file.otherChargeLines + (ochAfterMemo ? 1 : 0)
        return (name, bytes)
    }
}

extension SampleWorld {
    static let fileFaultDescriptions: [String: String] = [
        "duplicate-of-accepted-file": "same airline, operation, period and file sequence number as a file accepted before it",
        "currency-not-the-operations": "header currency is not the operation's settlement currency",
        "wrong-minor-digits": "header minor-unit digits disagree with ISO 4217",
        "airline-not-participant": "airline is registered but not a CASS participant in this operation",
        "airline-unknown": "airline prefix 999 is not registered at all",
        "trailer-count": "trailer counts one AWB record more than the file has",
        "trailer-net-total": "trailer net-due total is off by one minor unit",
        "trailer-weight-total": "trailer weight-charge total is off by one minor unit",
        "creation-date-not-a-date": "header creation date is the 31st of November",
        "period-number-above-periods-per-month": "header period number is above the operation's periods per month",
        "header-missing": "the first line is a billing record: no header",
        "trailer-missing": "the last line is not a trailer",
        "trailer-count-not-digits": "trailer record count holds a letter",
        "format-version-02": "header format version 02",
        "record-159-characters": "line 2 is 159 characters long",
        "tab-in-record": "a tab in the unused positions of line 2",
        "sequence-number-gap": "line 3 carries sequence number 000009",
        "unknown-record-type": "a REM line after the header",
        "och-after-memo": "an OCH line follows a DCM memo",
    ]
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? " " : $0 }) }
}
