import CASSDomain

enum Checked<Value> {
    case ok(Value)
    case rejected(Problem)
}

/// The `cass:BillingFile` envelope: the CBF's header (F01, F05) and
/// trailer (F02) facts.
struct Envelope {
    let tree: ElementTree

    init(_ tree: ElementTree) { self.tree = tree }

    private func text(_ term: Term) -> RawValue { tree.value(tree.singleRoot(term)) }

    private var carrierPrefix: RawValue { tree.value(tree.follow(tree.singleRoot(.carrier), .Carrier, .prefix)) }

    private var currencyCode: RawValue {
        let found = tree.singleRoot(.currency)
        guard case .one(let node) = found else { return tree.value(found) }
        guard let code = tree.resourceCode(of: node) else { return .invalid("no rdf:resource (a CurrencyCode IRI)") }
        return .text(code)
    }

    /// The envelope's values as written, for rejections.csv (first
    /// occurrence; empty where missing).
    var identity: ReportedIdentity {
        func written(_ node: Int32?) -> String { node.map { OneRecordValues.reportable(tree.text(of: $0), width: 16) } ?? "" }
        let carrier = tree.firstRoot(.carrier)
        let prefix = carrier.flatMap { tree.follow(.one($0), .Carrier, .prefix).node }
        return ReportedIdentity(airline: written(prefix), country: written(tree.firstRoot(.operation)), period: written(tree.firstRoot(.billingPeriod)))
    }

    /// The file sequence number as written (first occurrence).
    var fileSequenceText: String { tree.firstRoot(.fileSequenceNumber).map { tree.text(of: $0) } ?? "" }

    var formatVersionText: String {
        if case .text(let value) = text(.formatVersion) { return value }
        return ""
    }

    private func problem(_ code: RejectionCode, _ field: String, _ element: String, _ expected: String, _ raw: RawValue) -> Problem {
        let found: String
        switch raw {
        case .absent: found = "missing"
        case .repeated: found = "repeated"
        case .text(let value): found = OneRecordValues.reportable(value, width: 40)
        case .invalid(let what): found = what
        }
        return Problem(code: code, field: field, location: "cass:BillingFile/" + element, expected: expected, found: found)
    }

    func header(periodsPerMonth: (String) -> Int?) -> Checked<FileHeader> {
        // In the CBF's header field order, so the first problem reported is the same.
        let version = text(.formatVersion)
        guard case .text(let versionText) = version, let formatVersion = OneRecordValues.digits(versionText, count: 2) else {
            return .rejected(problem(.F01, "format version", "cass:formatVersion", "2 digits", version))
        }
        let prefixRaw = carrierPrefix
        guard case .text(let prefixText) = prefixRaw, let prefix = OneRecordValues.digits(prefixText, count: 3) else {
            return .rejected(problem(.F01, "airline prefix", "cass:carrier/cargo:Carrier/cargo:prefix", "3 digits", prefixRaw))
        }
        let operationRaw = text(.operation)
        guard case .text(let operation) = operationRaw, operation.utf8.count == 2, ASCIICode(operation).isUppercaseLetters else {
            return .rejected(problem(.F01, "CASS operation", "cass:operation", "ISO 3166-1 alpha-2 country code", operationRaw))
        }
        let periodRaw = text(.billingPeriod)
        guard case .text(let periodText) = periodRaw, let periodDigits = OneRecordValues.digits(periodText, count: 8),
              let period = BillingPeriod(yyyymmnn: Int(periodDigits)) else {
            return .rejected(problem(.F01, "billing period", "cass:billingPeriod", "YYYYMMNN with NN 01 to 04", periodRaw))
        }
        if let perMonth = periodsPerMonth(operation), !period.fits(periodsPerMonth: perMonth) {
            return .rejected(problem(.F01, "billing period", "cass:billingPeriod", "period number at most \(perMonth) in operation \(operation)", periodRaw))
        }
        let sequenceRaw = text(.fileSequenceNumber)
        guard case .text(let sequenceText) = sequenceRaw, let fileSequence = OneRecordValues.digits(sequenceText, maxCount: 6) else {
            return .rejected(problem(.F01, "file sequence number", "cass:fileSequenceNumber", "an integer of 1 to 6 digits", sequenceRaw))
        }
        let creationRaw = text(.creationDate)
        guard case .text(let creationText) = creationRaw, let creationDate = OneRecordValues.calendarDate(creationText) else {
            return .rejected(problem(.F01, "file creation date", "cass:creationDate", "YYYY-MM-DD, a calendar date", creationRaw))
        }
        let currencyRaw = currencyCode
        guard case .text(let currency) = currencyRaw, currency.utf8.count == 3, ASCIICode(currency).isUppercaseLetters else {
            return .rejected(problem(.F01, "billing currency", "cass:currency", "a CurrencyCode IRI ending in an ISO 4217 code", currencyRaw))
        }
        return .ok(FileHeader(formatVersion: Int(formatVersion), airlinePrefix: Int32(prefix), operation: operation, period: period,
                              fileSequence: Int(fileSequence), creationDate: creationDate, currency: currency,
                              minorDigits: ISO4217.minorDigits(of: currency) ?? inferredMinorDigits))
    }

    /// For a currency ISO 4217 does not know (the engine rejects it, F07)
    /// the amounts are read with the decimals of the net due total, so that
    /// F03 does not hide the F07.
    private var inferredMinorDigits: Int {
        guard case .text(let total) = text(.netDueTotal), let dot = total.firstIndex(of: ".") else { return 0 }
        return min(4, total.distance(from: dot, to: total.endIndex) - 1)
    }

    func trailer(minorDigits: Int) -> Checked<FileTrailer> {
        let countRaw = text(.transactionCount)
        guard case .text(let countText) = countRaw, let count = OneRecordValues.digits(countText, maxCount: 6) else {
            return .rejected(problem(.F02, "transaction count", "cass:transactionCount", "an integer of at most 6 digits", countRaw))
        }
        let amountForm = minorDigits == 0 ? "an amount without decimals" : "an amount with \(minorDigits) decimals"
        let netRaw = text(.netDueTotal)
        guard case .text(let netText) = netRaw, let net = OneRecordValues.amount(netText, minorDigits: minorDigits) else {
            return .rejected(problem(.F02, "net due total", "cass:netDueTotal", amountForm, netRaw))
        }
        let weightRaw = text(.weightChargeTotal)
        guard case .text(let weightText) = weightRaw, let weight = OneRecordValues.amount(weightText, minorDigits: minorDigits) else {
            return .rejected(problem(.F02, "weight charge total", "cass:weightChargeTotal", amountForm, weightRaw))
        }
        var trailer = FileTrailer(recordCount: Int(count), netDueTotal: net, weightChargeTotal: weight)
        if net == 0, OneRecordValues.isNegativeZero(netText) { trailer.negativeZeroTotals |= NegativeZero.netDue }
        if weight == 0, OneRecordValues.isNegativeZero(weightText) { trailer.negativeZeroTotals |= NegativeZero.weightCharge }
        return .ok(trailer)
    }
}
