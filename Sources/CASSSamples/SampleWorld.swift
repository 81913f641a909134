import CASSDomain

/// A regular file of the plan: one airline, one operation, one period.
struct PlannedFile {
    let period: BillingPeriod
    let operationIndex: Int
    let airline: Int32
    let laneIndex: Int
    var records: Int
    var fileSequence: Int

    var profile: SampleReference.OperationProfile { SampleReference.operations[operationIndex] }

    var name: String {
        String(airline).leftPadded(3) + "_" + profile.operation.country + "_" + period.text + "_" + String(fileSequence).leftPadded(6) + ".cbf"
    }
}

/// The generator's state while it writes: lanes with their billed AWBs,
/// AWB serial counters, fault rotation and the expected rejections.
struct SampleWorld {
    var random: SampleRandom
    let errorThreshold: UInt64
    var lanes: [Lane] = []
    var nextSerial: [Int32: Int] = [:]
    var variants = [Int](repeating: 0, count: RejectionCode.allCases.count)
    var faultCursor = 0
    var summary = SampleSummary()
    var injectedNotes: [ExpectedRejection] = []
    /// AWBs first billed in one operation that the same airline may bill
    /// again in another (export in the origin country, import in the
    /// destination): per airline, per operation index. An AWB leaves the
    /// pool when it is billed elsewhere, so it is never billed twice in one
    /// operation by accident.
    var crossOperation: [Int32: [Int: [BilledAWB]]] = [:]
    /// Percent of first billings that bill an AWB another operation of the
    /// same airline has billed already, when there is one.
    static let crossOperationPercent = 4
    /// The agents who bill, by operation country, in reference-data order.
    let activeAgents: [String: [Int64]]

    init(_ config: SampleConfig) {
        var active: [String: [Int64]] = [:]
        for agent in SampleReference.agents(config) where agent.status == .active {
            active[agent.country, default: []].append(agent.code)
        }
        activeAgents = active
        random = SampleRandom(seed: config.seed)
        errorThreshold = config.errorThreshold
        // Each airline's serials start at a seed-dependent place and run
        // up: an AWB number is never reused, so duplicates are only the
        // deliberate R10 ones.
        for prefix in SampleReference.airlines.map(\.prefix) + [SampleReference.unknownAirline] {
            nextSerial[prefix] = 1_000_000 + random.below(2_000_000)
        }
        faultCursor = random.below(Self.recordCodes.count)
    }

    mutating func freshSerial(_ airline: Int32) -> Int32 {
        let seven = nextSerial[airline, default: 1_000_000]
        nextSerial[airline] = seven + 1
        return Int32(CheckDigit.awbSerial(from: seven))
    }

    mutating func nextVariant(_ code: RejectionCode) -> Int {
        let index = RejectionCode.allCases.firstIndex(of: code) ?? 0
        defer { variants[index] += 1 }
        return variants[index]
    }

    mutating func countTransaction(_ transaction: TransactionType) {
        switch transaction {
        case .awb: summary.firstBillings += 1
        case .cca: summary.corrections += 1
        case .dcm: summary.debitMemos += 1
        case .ccm: summary.creditMemos += 1
        }
    }

    mutating func record(_ code: RejectionCode, file: SampleFileBuilder, line: Int, awb: String, what: String) {
        let header = file.header
        let rejection = ExpectedRejection(
            file: file.name, airline: String(header.airlinePrefix).leftPadded(3), country: header.operation,
            period: header.period.text, sequence: line, code: code, awb: awb, what: what)
        summary.injected[code, default: 0] += 1
        summary.expectedRejections.append(rejection)
    }

    func context(operationIndex: Int, airline: Int32, period: BillingPeriod, currency: String? = nil) -> FileContext {
        let profile = SampleReference.operations[operationIndex]
        let perMonth = profile.operation.periodsPerMonth
        let last = period.lastDay(periodsPerMonth: perMonth)
        return FileContext(
            profile: profile, airline: airline, currency: ASCIICode(currency ?? profile.operation.currency),
            firstDay: period.firstDay(periodsPerMonth: perMonth), lastDay: last,
            // Airlines submit the day after the period ends.
            creationDate: last.adding(days: 1),
            activeAgents: activeAgents[profile.operation.country] ?? [],
            origins: profile.origins.map(ASCIICode.init), destinations: profile.destinations.map(ASCIICode.init))
    }

    static func header(_ context: FileContext, period: BillingPeriod, fileSequence: Int, minorDigits: Int? = nil) -> FileHeader {
        FileHeader(
            formatVersion: 1, airlinePrefix: context.airline, operation: context.country, period: period,
            fileSequence: fileSequence, creationDate: context.creationDate, currency: context.currency.description,
            minorDigits: minorDigits ?? context.profile.operation.minorDigits)
    }

    /// A regular file: mostly correct records, a few broken at `errorRate`.
    mutating func regularFile(_ plan: PlannedFile) -> [UInt8] {
        let context = context(operationIndex: plan.operationIndex, airline: plan.airline, period: plan.period)
        let header = Self.header(context, period: plan.period, fileSequence: plan.fileSequence)
        var file = SampleFileBuilder(name: plan.name, header: header, expectedLines: plan.records * 2 + 2)
        var lane = lanes[plan.laneIndex]
        lanes[plan.laneIndex].billed = []
        var remaining = plan.records
        while remaining > 0 {
            if random.chance(errorThreshold) {
                let code = Self.recordCodes[faultCursor % Self.recordCodes.count]
                faultCursor += 1
                remaining -= writeFault(code, slots: remaining, lane: &lane, file: &file, context: context)
            } else {
                writeRegular(lane: &lane, file: &file, context: context)
                remaining -= 1
            }
        }
        lanes[plan.laneIndex] = lane
        summary.billingRecords += file.recordCount
        summary.otherChargeLines += file.otherChargeLines
        return file.finish()
    }

    /// One correct record: a first billing, or (once the lane has billed
    /// something) a correction or a memo of an AWB billed before.
    private mutating func writeRegular(lane: inout Lane, file: inout SampleFileBuilder, context: FileContext) {
        let draw = lane.billed.isEmpty ? 0 : random.below(100)
        if draw < 84 {
            if random.percent(Self.crossOperationPercent), let billedElsewhere = takeBilledElsewhere(lane: lane) {
                // The same shipment billed in this operation too, to an agent of this operation.
                var awb = billedElsewhere
                awb.agent = random.pick(context.activeAgents)
                if awb.issueDate > Int32(context.creationDate.yyyymmdd) { awb.issueDate = SampleBilling.issueDate(&random, context) }
                let (record, charges) = SampleBilling.version(.awb, of: awb, weight: awb.weight, &random, context)
                file.append(record, charges: charges)
                lane.remember(awb, &random)
                countTransaction(.awb)
                summary.crossOperationBillings += 1
                return
            }
            let awb = SampleBilling.identity(serial: freshSerial(context.airline), agent: random.pick(context.activeAgents), &random, context)
            let (record, charges) = SampleBilling.version(.awb, of: awb, weight: awb.weight, &random, context)
            file.append(record, charges: charges)
            lane.remember(awb, &random)
            offerToOtherOperations(awb, lane: lane)
            countTransaction(.awb)
        } else if draw < 92 {
            let billed = random.pick(lane.billed)
            let weight = max(10, billed.weight + Int64(random.inRange(-200...200)))
            let (record, charges) = SampleBilling.version(.cca, of: billed, weight: weight, &random, context)
            file.append(record, charges: charges)
            countTransaction(.cca)
        } else {
            let transaction: TransactionType = draw < 96 ? .dcm : .ccm
            file.append(SampleBilling.memo(transaction, of: random.pick(lane.billed), &random, context), charges: [])
            countTransaction(transaction)
        }
    }

    /// Makes a first billing available to the airline's other operations.
    mutating func offerToOtherOperations(_ awb: BilledAWB, lane: Lane) {
        guard SampleReference.airlines.first(where: { $0.prefix == lane.airline })?.operations.count ?? 0 > 1 else { return }
        // Changed in place: a copy taken out and put back copied the whole
        // pool on every AWB (half the time of generating 100,000 AWBs).
        let count = crossOperation[lane.airline]?[lane.operationIndex]?.count ?? 0
        if count < Lane.poolMax {
            crossOperation[lane.airline, default: [:]][lane.operationIndex, default: []].append(awb)
        } else {
            crossOperation[lane.airline, default: [:]][lane.operationIndex, default: []][random.below(count)] = awb
        }
    }

    /// An AWB the lane's airline billed in another operation and not yet
    /// here, taken out of the pool; nil when there is none.
    mutating func takeBilledElsewhere(lane: Lane) -> BilledAWB? {
        let others = (crossOperation[lane.airline] ?? [:]).filter { $0.key != lane.operationIndex && !$0.value.isEmpty }.keys.sorted()
        guard !others.isEmpty else { return nil }
        let operation = others[random.below(others.count)]
        guard let count = crossOperation[lane.airline]?[operation]?.count, count > 0 else { return nil }
        let index = random.below(count)
        // In place, as in offerToOtherOperations.
        crossOperation[lane.airline]?[operation]?.swapAt(index, count - 1)
        return crossOperation[lane.airline]?[operation]?.removeLast()
    }

    /// An AWB the lane's airline billed in another operation, left in the
    /// pool (for an R11: a correction here of an AWB never billed here).
    mutating func peekBilledElsewhere(lane: Lane) -> (BilledAWB, operation: String)? {
        let others = (crossOperation[lane.airline] ?? [:]).filter { $0.key != lane.operationIndex && !$0.value.isEmpty }.keys.sorted()
        guard !others.isEmpty else { return nil }
        let operation = others[random.below(others.count)]
        guard let pool = crossOperation[lane.airline]?[operation], !pool.isEmpty else { return nil }
        return (pool[random.below(pool.count)], SampleReference.operations[operation].operation.country)
    }
}
