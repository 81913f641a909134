import CASSDomain

/// The running sums of one airline section of one agent's invoice.
///
/// Sums are exact (128 bits) while lines arrive and are checked against
/// the 64-bit range once, when the invoice is drafted: lines reach a
/// settlement partition in an order that depends on the transport and the
/// number of workers, and a 64-bit running sum could pass the limit in one
/// order and not in another. An exact sum cannot: 2^64 lines of the
/// largest amount would still fit. Only results must fit, and they always
/// do or the run stops.
public struct SectionSums: Sendable, Hashable {
    public var lines: Int = 0
    public var net: Int128 = 0
    /// Per tax rule index: the summed base of the lines it applies to.
    public var ruleBases: [Int128]
    /// Per tax rule index: whether any line it applies to was seen.
    public var ruleSeen: UInt64 = 0

    public init(ruleCount: Int) { ruleBases = Array(repeating: 0, count: ruleCount) }

    mutating func add(_ line: LineAmounts, rules: [TaxRule]) {
        precondition(rules.count >= 64 || line.taxRuleMask >> UInt64(rules.count) == 0, "a line's tax mask names a rule the operation does not have")
        lines += 1
        net += Int128(line.amount)
        var mask = line.taxRuleMask
        ruleSeen |= mask
        while mask != 0 {
            let index = mask.trailingZeroBitCount
            mask &= mask - 1
            ruleBases[index] += Int128(line.base(rules[index].base))
        }
    }
}

/// What one (operation, period, agent) has accumulated before close.
public struct InvoiceAccumulator: Sendable {
    public var sections: [Int32: SectionSums] = [:]
    /// Kept only when documents are wanted: the invoice's lines.
    public var lines = LineChunks()
    /// Kept only when lines are not but files may be withdrawn: the
    /// sections' sums per file (its ordinal), which a withdrawal subtracts.
    public var fileSections: [Int64: [Int32: SectionSums]] = [:]

    public init() {}

    mutating func add(_ amounts: LineAmounts, airline: Int32, ruleCount: Int, rules: [TaxRule]) {
        sections[airline, default: SectionSums(ruleCount: ruleCount)].add(amounts, rules: rules)
    }

    mutating func addToFile(_ ordinal: Int64, _ amounts: LineAmounts, airline: Int32, ruleCount: Int, rules: [TaxRule]) {
        fileSections[ordinal, default: [:]][airline, default: SectionSums(ruleCount: ruleCount)].add(amounts, rules: rules)
    }

    /// Takes one file's sums out (exact sums: as if never added); a rule's
    /// "seen" flag stays only where another file's lines set it. False
    /// when the invoice is left without lines.
    mutating func subtractFile(_ ordinal: Int64) -> Bool {
        guard let removed = fileSections.removeValue(forKey: ordinal) else { return !sections.isEmpty }
        for (airline, sums) in removed {
            guard var section = sections[airline] else { continue }
            section.lines -= sums.lines
            section.net -= sums.net
            for index in section.ruleBases.indices where index < sums.ruleBases.count { section.ruleBases[index] -= sums.ruleBases[index] }
            section.ruleSeen = 0
            for other in fileSections.values { section.ruleSeen |= other[airline]?.ruleSeen ?? 0 }
            sections[airline] = section.lines > 0 ? section : nil
        }
        return !sections.isEmpty
    }
}

/// The amounts of a line that its section's sums need.
struct LineAmounts {
    var amount: Int64
    var weightCharge: Int64
    var valuationCharge: Int64
    var otherChargesDueCarrier: Int64
    var commission: Int64
    var taxRuleMask: UInt64

    init(_ line: borrowing BilledLine) {
        amount = line.amount
        weightCharge = line.weightCharge
        valuationCharge = line.valuationCharge
        otherChargesDueCarrier = line.otherChargesDueCarrier
        commission = line.commission
        taxRuleMask = line.taxRuleMask
    }

    func base(_ base: TaxBase) -> Int64 {
        switch base {
        case .weight: weightCharge
        case .valuation: valuationCharge
        case .ocdc: otherChargesDueCarrier
        case .commission: commission
        case .net: amount
        }
    }
}

/// Accumulates billed lines per (operation, period, agent) and turns them
/// into invoice drafts (everything but the number) when a period closes.
public struct SettlementAccumulator: Sendable {
    public private(set) var invoices: [PeriodKey: [Int64: InvoiceAccumulator]] = [:]
    public let keepLines: Bool
    /// Sums per file as well (withdrawals without the lines).
    public let keepFileSums: Bool

    public init(keepLines: Bool, keepFileSums: Bool = false) {
        self.keepLines = keepLines
        self.keepFileSums = keepFileSums && !keepLines
    }

    public mutating func add(_ line: BilledLine, rules: [TaxRule]) {
        let key = PeriodKey(country: line.country, period: line.period)
        invoices[key, default: [:]][line.agentCode, default: InvoiceAccumulator()]
            .add(LineAmounts(line), airline: line.airlinePrefix, ruleCount: rules.count, rules: rules)
        if keepLines { invoices[key]?[line.agentCode]?.lines.append(line) }
        if keepFileSums {
            invoices[key]?[line.agentCode]?.addToFile(line.fileOrdinal, LineAmounts(line), airline: line.airlinePrefix, ruleCount: rules.count, rules: rules)
        }
    }

    /// A batch of lines: the period's agents are looked up once per run of
    /// lines of the same operation and period (a batch is nearly always
    /// one run), not once per line.
    public mutating func add(_ lines: [BilledLine], rules: (String) -> [TaxRule]) {
        var index = lines.startIndex
        while index < lines.endIndex {
            let key = PeriodKey(country: lines[index].country, period: lines[index].period)
            let operationRules = rules(key.country)
            var agents = invoices.removeValue(forKey: key) ?? [:]
            let ruleCount = operationRules.count
            while index < lines.endIndex, lines[index].period == key.period, lines[index].country == key.country {
                // Scalars out of the line first: passing the line itself
                // copied it, strings and all, once per line.
                let agent = lines[index].agentCode, airline = lines[index].airlinePrefix
                let amounts = LineAmounts(lines[index])
                agents[agent, default: InvoiceAccumulator()].add(amounts, airline: airline, ruleCount: ruleCount, rules: operationRules)
                if keepLines { agents[agent, default: InvoiceAccumulator()].lines.append(lines[index]) }
                if keepFileSums {
                    agents[agent, default: InvoiceAccumulator()].addToFile(lines[index].fileOrdinal, amounts, airline: airline, ruleCount: ruleCount, rules: operationRules)
                }
                index += 1
            }
            invoices[key] = agents
        }
    }

    public var openPeriods: [PeriodKey] { invoices.keys.sorted() }

    /// Takes the lines of one file (its ordinal in the operation) out of a
    /// period's open invoices, as if they had never come: each invoice it
    /// touched is summed again from the lines it keeps (sums are exact, so
    /// that equals having added only those), and an invoice left without
    /// lines goes. Needs the lines (`keepLines`). Returns the removed
    /// lines per agent, and the agents whose invoice is gone.
    public mutating func remove(fileOrdinal: Int64, from period: PeriodKey, rules: [TaxRule]) -> (removed: [Int64: [BilledLine]], emptied: Set<Int64>) {
        precondition(keepLines || keepFileSums, "taking a file's lines out needs the lines or the file's sums")
        guard var agents = invoices.removeValue(forKey: period) else { return ([:], []) }
        var removed: [Int64: [BilledLine]] = [:]
        var emptied: Set<Int64> = []
        if keepFileSums {
            // No lines: the agents whose invoices had the file's sums (with
            // no lines listed under them).
            for agent in agents.keys.sorted() where agents[agent]?.fileSections[fileOrdinal] != nil {
                removed[agent] = []
                if agents[agent]?.subtractFile(fileOrdinal) == false {
                    agents[agent] = nil
                    emptied.insert(agent)
                }
            }
            if !agents.isEmpty { invoices[period] = agents }
            return (removed, emptied)
        }
        for agent in agents.keys.sorted() {
            guard let accumulated = agents[agent], accumulated.lines.contains(where: { $0.fileOrdinal == fileOrdinal }) else { continue }
            var kept = InvoiceAccumulator()
            for line in accumulated.lines {
                if line.fileOrdinal == fileOrdinal {
                    removed[agent, default: []].append(line)
                } else {
                    kept.add(LineAmounts(line), airline: line.airlinePrefix, ruleCount: rules.count, rules: rules)
                    kept.lines.append(line)
                }
            }
            if kept.lines.isEmpty {
                agents[agent] = nil
                emptied.insert(agent)
            } else {
                agents[agent] = kept
            }
        }
        if !agents.isEmpty { invoices[period] = agents }
        return (removed, emptied)
    }

    /// Removes the period's accumulators and returns its drafts in agent
    /// code order. Numbers are assigned later, per operation.
    public mutating func close(_ period: PeriodKey, operation: Operation, rules: [TaxRule]) throws(AmountOverflow) -> [Invoice] {
        precondition(operation.country == period.country, "closing \(period) with operation \(operation.country)'s data")
        guard let agents = invoices.removeValue(forKey: period) else { return [] }
        var drafts: [Invoice] = []
        drafts.reserveCapacity(agents.count)
        for agent in agents.keys.sorted() {
            guard let accumulated = agents[agent] else { continue }
            drafts.append(try InvoiceDrafting.draft(agent: agent, accumulated: accumulated, period: period.period, operation: operation, rules: rules))
        }
        return drafts
    }

    /// Restores one accumulator (state restore from the state topic).
    public mutating func restore(_ period: PeriodKey, agent: Int64, accumulator: InvoiceAccumulator) {
        invoices[period, default: [:]][agent] = accumulator
    }

    public func accumulator(_ period: PeriodKey, agent: Int64) -> InvoiceAccumulator? { invoices[period]?[agent] }
}

public enum InvoiceDrafting {
    /// The invoice of one agent from its sections' sums: taxes per section
    /// and rule, totals. Sums are exact; every amount the invoice states
    /// (a section's net, a tax base, a tax, a total) must fit 64 bits, or
    /// this throws naming the invoice: nothing ever wraps.
    public static func draft(agent: Int64, accumulated: InvoiceAccumulator, period: BillingPeriod, operation: Operation, rules: [TaxRule]) throws(AmountOverflow) -> Invoice {
        precondition(!accumulated.sections.isEmpty, "an invoice draft needs at least one section")
        let invoiceName = AmountOverflow.invoice(agent: agent, country: operation.country, period: period)
        func fit(_ exact: Int128, _ what: @autoclosure () -> String) throws(AmountOverflow) -> Int64 {
            guard let amount = Int64(exactly: exact) else { throw AmountOverflow("\(what()) is \(exact), outside the 64-bit range of amounts") }
            return amount
        }
        var linesBySection: [Int32: [InvoiceLine]] = [:]
        if !accumulated.lines.isEmpty {
            // Lines in order of AWB serial, then the order they were applied.
            // Their keys are sorted, not the lines: a line is a large value
            // holding strings, which the sort moved several times each
            // (copies and reference counting were most of a period's close).
            let lines = accumulated.lines
            var order: [(serial: Int32, ordinal: Int64, sequence: Int32, index: Int)] = []
            order.reserveCapacity(lines.count)
            for (index, line) in lines.enumerated() { order.append((line.awbSerial, line.fileOrdinal, line.sequence, index)) }
            order.sort { ($0.serial, $0.ordinal, $0.sequence, $0.index) < ($1.serial, $1.ordinal, $1.sequence, $1.index) }
            for key in order {
                let line = lines[key.index]
                linesBySection[line.airlinePrefix, default: []].append(line.invoiceLine)
            }
        }
        var sections: [InvoiceSection] = []
        var lineCount = 0
        var net: Int128 = 0, charged: Int128 = 0, credited: Int128 = 0
        for airline in accumulated.sections.keys.sorted() {
            guard let sums = accumulated.sections[airline] else { continue }
            precondition(sums.lines > 0, "a section without lines")
            let sectionName = invoiceName + ", section of airline " + Padding.zeros(String(airline), to: 3)
            let sectionNet = try fit(sums.net, "\(sectionName): the net due")
            var taxes: [TaxLine] = []
            var sectionCharged: Int128 = 0, sectionCredited: Int128 = 0
            for (index, rule) in rules.enumerated() where index < sums.ruleBases.count && sums.ruleSeen & (1 << UInt64(index)) != 0 {
                let base = try fit(sums.ruleBases[index], "\(sectionName): the \(rule.base.rawValue) base of tax \(rule.code)")
                let amount = TaxCalculator.tax(baseSum: base, rule: rule)
                taxes.append(TaxLine(code: rule.code, description: rule.description, base: rule.base, rateHundredthsPercent: rule.rateHundredthsPercent, direction: rule.direction, baseAmount: base, amount: amount))
                if rule.direction == .charged { sectionCharged += Int128(amount) } else { sectionCredited += Int128(amount) }
            }
            // section total = sum of line amounts + charged taxes − credited taxes
            let total = try fit(sums.net + sectionCharged - sectionCredited, "\(sectionName): the section total")
            sections.append(InvoiceSection(
                airlinePrefix: airline, lines: linesBySection[airline] ?? [], taxes: taxes, netDue: sectionNet,
                taxCharged: try fit(sectionCharged, "\(sectionName): the charged taxes"),
                taxCredited: try fit(sectionCredited, "\(sectionName): the credited taxes"), total: total))
            lineCount += sums.lines
            net += sums.net
            charged += sectionCharged
            credited += sectionCredited
        }
        let total = try fit(net + charged - credited, "\(invoiceName): the invoice total")
        // The invoice total is the sum of its sections' totals, exactly.
        precondition(sections.reduce(Int128(0)) { $0 + Int128($1.total) } == Int128(total), "\(invoiceName): sections do not add up to the total")
        let invoiceDate = period.lastDay(periodsPerMonth: operation.periodsPerMonth)
        return Invoice(
            number: "", country: operation.country, period: period, currency: operation.currency, minorDigits: operation.minorDigits,
            invoiceDate: invoiceDate, remittanceDate: invoiceDate.adding(days: operation.remittanceDays), agentCode: agent,
            sections: sections, lineCount: lineCount, netDue: try fit(net, "\(invoiceName): the net due"),
            taxCharged: try fit(charged, "\(invoiceName): the charged taxes"), taxCredited: try fit(credited, "\(invoiceName): the credited taxes"),
            total: total)
    }
}
