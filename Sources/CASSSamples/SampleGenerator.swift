import CASSDomain
import Foundation

/// Writes a deterministic CASS dataset: reference data, billing files with
/// corrections, memos and other charges over several periods and a year
/// end, and deliberately broken records and files whose rejection codes
/// are known in advance (docs/samples.md).
public enum SampleGenerator {
    /// Writes `DIR/reference/*.csv`, `DIR/input/*.cbf`,
    /// `DIR/expected-rejections.csv` (the rejections.csv the data must
    /// produce) and `DIR/injected-errors.csv` (what each one breaks).
    public static func generate(_ config: SampleConfig, into directory: URL) throws -> SampleSummary {
        let config = try config.validated()
        let manager = FileManager.default
        let referenceFolder = directory.appendingPathComponent("reference")
        let inputFolder = directory.appendingPathComponent("input")
        if let existing = try? manager.contentsOfDirectory(atPath: inputFolder.path), existing.contains(where: { $0.hasSuffix(".cbf") }) {
            throw SampleError.outputNotEmpty(inputFolder.path)
        }
        do {
            try manager.createDirectory(at: referenceFolder, withIntermediateDirectories: true)
            try manager.createDirectory(at: inputFolder, withIntermediateDirectories: true)
            for (name, text) in referenceFiles(config) {
                try Data(text.utf8).write(to: referenceFolder.appendingPathComponent(name))
            }
        } catch {
            throw SampleError.writeFailed("\(directory.path): \(error)")
        }
        let summary = try generate(config) { name, bytes in
            do {
                try Data(bytes).write(to: inputFolder.appendingPathComponent(name))
            } catch {
                throw SampleError.writeFailed("\(name): \(error)")
            }
        }
        do {
            let expected = ["file,airline,country,period,sequence,code,awb"] + summary.expectedRejections.map(\.csvLine)
            try Data((expected.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("expected-rejections.csv"))
            let notes = ["file,sequence,code,awb,what"] + summary.expectedRejections.map {
                CSVText.row([$0.file, String($0.sequence), $0.code.rawValue, $0.awb, $0.what])
            }
            try Data((notes.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("injected-errors.csv"))
        } catch {
            throw SampleError.writeFailed("\(directory.path): \(error)")
        }
        return summary
    }

    /// Generates the billing files and hands each to `emit` (name, bytes)
    /// in processing order; no disk needed (benchmarks, tests).
    public static func generate(_ config: SampleConfig, emit: (String, [UInt8]) throws -> Void) throws -> SampleSummary {
        let config = try config.validated()
        var world = SampleWorld(config)
        var plan = makePlan(config, &world)
        var layoutRandom = world.random.fork()
        // Two regular files show the layout's tolerance: CRLF line ends,
        // and no line end after the trailer. Both must be accepted.
        let crlf = plan.count >= 2 ? layoutRandom.below(plan.count) : -1
        var noFinalNewline = plan.count >= 2 ? layoutRandom.below(plan.count) : -1
        if noFinalNewline == crlf { noFinalNewline = (crlf + 1) % plan.count }

        for index in plan.indices {
            var bytes = world.regularFile(plan[index])
            if index == crlf { bytes = withCRLF(bytes) }
            if index == noFinalNewline, bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            world.summary.bytes += bytes.count
            world.summary.files.append(plan[index].name)
            try emit(plan[index].name, bytes)
        }
        world.summary.regularFiles = plan.count

        if config.errorRate > 0, !plan.isEmpty {
            let wanted = Int((Double(plan.count) * config.errorRate).rounded(.up))
            let count = max(SampleWorld.fileCodes.count, wanted)
            for number in 1...count {
                let code = SampleWorld.fileCodes[(number - 1) % SampleWorld.fileCodes.count]
                let target = plan[world.random.below(plan.count)]
                let (name, bytes) = world.brokenFile(code, number: number, target: target)
                world.summary.bytes += bytes.count
                world.summary.files.append(name)
                try emit(name, bytes)
            }
            world.summary.brokenFiles = count
            for showcase in SampleShowcase.files(config) {
                world.summary.bytes += showcase.bytes.count
                world.summary.files.append(showcase.name)
                world.summary.billingRecords += showcase.records
                world.summary.otherChargeLines += showcase.otherChargeLines
                for rejection in showcase.rejections {
                    world.summary.injected[rejection.code, default: 0] += 1
                    world.summary.expectedRejections.append(rejection)
                }
                try emit(showcase.name, showcase.bytes)
            }
            world.summary.brokenFiles += SampleShowcase.files(config).count
        }
        plan.removeAll()
        world.summary.files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        world.summary.expectedRejections.sort()
        return world.summary
    }

    /// Active agents of the fixed cast, who bill in every dataset.
    public static var castActiveAgents: Int { SampleReference.agents.count { $0.status == .active } }

    /// The reference data the billing files are generated against.
    public static func referenceData(_ config: SampleConfig) -> ReferenceData {
        SampleReference.referenceData(config)
    }

    /// The reference CSV files (name, UTF-8 text) of settlement.md.
    public static func referenceFiles(_ config: SampleConfig) -> [(name: String, text: String)] {
        [
            ("operations.csv", SampleReference.operationsCSV()),
            ("airlines.csv", SampleReference.airlinesCSV()),
            ("agents.csv", SampleReference.agentsCSV(config)),
            ("tax-rules.csv", SampleReference.taxRulesCSV(config)),
        ]
    }

    /// Files per month, operation, period and participating airline, in
    /// processing order, with the records shared out by weight so the sum is
    /// exactly `config.awbs`.
    static func makePlan(_ config: SampleConfig, _ world: inout SampleWorld) -> [PlannedFile] {
        var plan: [PlannedFile] = []
        var weights: [Int] = []
        for (operationIndex, profile) in SampleReference.operations.enumerated() {
            for airline in SampleReference.airlines where airline.operations.contains(profile.operation.country) {
                world.lanes.append(Lane(airline: airline.prefix, operationIndex: operationIndex))
            }
        }
        for monthOffset in 0..<config.months {
            let (year, month) = SampleReference.addMonths(year: config.firstYear, month: config.firstMonth, monthOffset)
            for (operationIndex, profile) in SampleReference.operations.enumerated() {
                let perMonth = profile.operation.periodsPerMonth
                for number in 1...perMonth {
                    guard let period = BillingPeriod(year: year, month: month, number: number) else { continue }
                    for (laneIndex, lane) in world.lanes.enumerated() where lane.operationIndex == operationIndex {
                        plan.append(PlannedFile(period: period, operationIndex: operationIndex, airline: lane.airline, laneIndex: laneIndex, records: 0, fileSequence: 0))
                        weights.append(profile.weight * world.random.inRange(70...130) * 4 / perMonth)
                    }
                }
            }
        }
        // Processing order: period, airline, then operation (file names).
        let order = plan.indices.sorted { (x: Int, y: Int) -> Bool in
            let a = plan[x], b = plan[y]
            if a.period != b.period { return a.period < b.period }
            if a.airline != b.airline { return a.airline < b.airline }
            return a.operationIndex < b.operationIndex
        }
        plan = order.map { plan[$0] }
        weights = order.map { weights[$0] }
        let total = weights.reduce(0, +)
        var cumulative = 0
        var assigned = 0
        for index in plan.indices {
            cumulative += weights[index]
            let upTo = total == 0 ? 0 : config.awbs * cumulative / total
            plan[index].records = upTo - assigned
            assigned = upTo
            world.lanes[plan[index].laneIndex].lastFileSequence += 1
            plan[index].fileSequence = world.lanes[plan[index].laneIndex].lastFileSequence
        }
        return plan
    }

    static func withCRLF(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 160 + 1)
        for byte in bytes {
            if byte == UInt8(ascii: "\n") { out.append(UInt8(ascii: "\r")) }
            out.append(byte)
        }
        return out
    }
}
