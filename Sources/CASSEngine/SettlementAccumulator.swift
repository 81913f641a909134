import CASSDomain

/// The running sums of one airline section of one agent's invoice.
public struct SectionSums: Sendable, Hashable {
    public var lines: Int = 0
    public var net: Int64 = 0
    /// Per tax rule index: the summed base of the lines it applies to.
    public var ruleBases: [Int64]
    /// Per tax rule index: whether any line it applies to was seen.
    public var ruleSeen: UInt64 = 0

    public init(ruleCount: Int) { ruleBases = Array(repeating: 0, count: ruleCount) }

    /// Which sum would have left the 64-bit range.
    enum Overflow {
        case net
        case base(ruleIndex: Int)
    }

    /// Adds a line; on an overflow nothing of the line is added and the sum
    /// that would have wrapped is returned.
    mutating func add(_ line: LineAmounts, rules: [TaxRule]) -> Overflow? {
        precondition(rules.count >= 64 || line.taxRuleMask >> UInt64(rules.count) == 0, "a line's tax mask names a rule the operation does not have")
        guard let newNet = Money.sum(net, line.amount) else { return .net }
        // Every sum is checked before any is changed: a refused line leaves
        // the section as it was.
        var mask = line.taxRuleMask
        while mask != 0 {
            let index = mask.trailingZeroBitCount
            mask &= mask - 1
            guard Money.sum(ruleBases[index], line.base(rules[index].base)) != nil else { return .base(ruleIndex: index) }
        }
        mask = line.taxRuleMask
        while mask != 0 {
            let index = mask.trailingZeroBitCount
            mask &= mask - 1
            ruleBases[index] &+= line.base(rules[index].base) // checked just above
        }
        lines += 1
        net = newNet
        ruleSeen |= line.taxRuleMask
        return nil
    }
}

/// What one (operation, period, agent) has accumulated before close.
public struct InvoiceAccumulator: Sendable {
    public var sections: [Int32: SectionSums] = [:]
    /// Kept only when documents are wanted: the invoice's lines.
    public var lines: [BilledLine] = []

    public init() {}

    mutating func add(_ amounts: LineAmounts, airline: Int32, ruleCount: Int, rules: [TaxRule]) -> SectionSums.Overflow? {
        sections[airline, default: SectionSums(ruleCount: ruleCount)].add(amounts, rules: rules)
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

    public init(keepLines: Bool) { self.keepLines = keepLines }

    public mutating func add(_ line: BilledLine, rules: [TaxRule]) throws(AmountOverflow) {
        let key = PeriodKey(country: line.country, period: line.period)
        if let overflow = invoices[key, default: [:]][line.agentCode, default: InvoiceAccumulator()]
            .add(LineAmounts(line), airline: line.airlinePrefix, ruleCount: rules.count, rules: rules) {
            throw Self.overflow(overflow, line: line, rules: rules)
        }
        if keepLines { invoices[key]?[line.agentCode]?.lines.append(line) }
    }

    static func overflow(_ overflow: SectionSums.Overflow, line: borrowing BilledLine, rules: [TaxRule]) -> AmountOverflow {
        let sum = switch overflow {
        case .net: "its net due"
        case .base(let index): "the \(rules[index].base.rawValue) base of tax \(rules[index].code)"
        }
        return AmountOverflow(AmountOverflow.invoice(agent: line.agentCode, country: line.country, period: line.period)
            + ", section of airline \(Padding.zeros(String(line.airlinePrefix), to: 3)): \(sum) leaves the 64-bit range adding AWB "
            + "\(AWBKey(prefix: line.airlinePrefix, serial: line.awbSerial)) (\(line.transaction.code), file \(line.fileName), sequence \(line.sequence))")
    }

    /// A batch of lines: the period's agents are looked up once per run of
    /// lines of the same operation and period (a batch is nearly always
    /// one run), not once per line.
    public mutating func add(_ lines: [BilledLine], rules: (String) -> [TaxRule]) throws(AmountOverflow) {
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
                if let overflow = agents[agent, default: InvoiceAccumulator()].add(amounts, airline: airline, ruleCount: ruleCount, rules: operationRules) {
                    invoices[key] = agents
                    throw Self.overflow(overflow, line: lines[index], rules: operationRules)
                }
                if keepLines { agents[agent, default: InvoiceAccumulator()].lines.append(lines[index]) }
                index += 1
            }
            invoices[key] = agents
        }
    }

    public var openPeriods: [PeriodKey] { invoices.keys.sorted() }

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
    /// and rule, totals. Every sum is checked: an amount that would leave
    /// the 64-bit range throws, naming the invoice, never wraps.
    public static func draft(agent: Int64, accumulated: InvoiceAccumulator, period: BillingPeriod, operation: Operation, rules: [TaxRule]) throws(AmountOverflow) -> Invoice {
        precondition(!accumulated.sections.isEmpty, "an invoice draft needs at least one section")
        let invoiceName = AmountOverflow.invoice(agent: agent, country: operation.country, period: period)
        var linesBySection: [Int32: [InvoiceLine]] = [:]
        if !accumulated.lines.isEmpty {
            // Lines in order of AWB serial, then the order they were applied.
            let sorted = accumulated.lines.sorted { ($0.awbSerial, $0.fileOrdinal, $0.sequence) < ($1.awbSerial, $1.fileOrdinal, $1.sequence) }
            for line in sorted { linesBySection[line.airlinePrefix, default: []].append(line.invoiceLine) }
        }
        var sections: [InvoiceSection] = []
        var lineCount = 0, net: Int64 = 0, charged: Int64 = 0, credited: Int64 = 0, total: Int64 = 0
        for airline in accumulated.sections.keys.sorted() {
            guard let sums = accumulated.sections[airline] else { continue }
            precondition(sums.lines > 0, "a section without lines")
            let sectionName = invoiceName + ", section of airline " + Padding.zeros(String(airline), to: 3)
            var taxes: [TaxLine] = []
            var sectionCharged: Int64 = 0, sectionCredited: Int64 = 0
            for (index, rule) in rules.enumerated() where index < sums.ruleBases.count && sums.ruleSeen & (1 << UInt64(index)) != 0 {
                let amount = TaxCalculator.tax(baseSum: sums.ruleBases[index], rule: rule)
                taxes.append(TaxLine(code: rule.code, description: rule.description, base: rule.base, rateHundredthsPercent: rule.rateHundredthsPercent, direction: rule.direction, baseAmount: sums.ruleBases[index], amount: amount))
                if rule.direction == .charged {
                    sectionCharged = try Money.add(sectionCharged, amount, "\(sectionName): the charged taxes")
                } else {
                    sectionCredited = try Money.add(sectionCredited, amount, "\(sectionName): the credited taxes")
                }
            }
            // section total = sum of line amounts + charged taxes − credited
            // taxes, exactly: only the result must fit, not a partial sum.
            let exactTotal = Int128(sums.net) + Int128(sectionCharged) - Int128(sectionCredited)
            guard let sectionTotal = Int64(exactly: exactTotal) else {
                throw AmountOverflow("\(sectionName): the section total \(exactTotal) leaves the 64-bit range")
            }
            sections.append(InvoiceSection(airlinePrefix: airline, lines: linesBySection[airline] ?? [], taxes: taxes, netDue: sums.net, taxCharged: sectionCharged, taxCredited: sectionCredited, total: sectionTotal))
            lineCount += sums.lines
            net = try Money.add(net, sums.net, "\(invoiceName): the net due")
            charged = try Money.add(charged, sectionCharged, "\(invoiceName): the charged taxes")
            credited = try Money.add(credited, sectionCredited, "\(invoiceName): the credited taxes")
            total = try Money.add(total, sectionTotal, "\(invoiceName): the invoice total")
        }
        // The invoice's columns add up as its sections' do: nothing wrapped.
        precondition(Int128(net) + Int128(charged) - Int128(credited) == Int128(total), "\(invoiceName): net + charged - credited != total")
        let invoiceDate = period.lastDay(periodsPerMonth: operation.periodsPerMonth)
        return Invoice(
            number: "", country: operation.country, period: period, currency: operation.currency, minorDigits: operation.minorDigits,
            invoiceDate: invoiceDate, remittanceDate: invoiceDate.adding(days: operation.remittanceDays), agentCode: agent,
            sections: sections, lineCount: lineCount, netDue: net, taxCharged: charged, taxCredited: credited, total: total)
    }
}
