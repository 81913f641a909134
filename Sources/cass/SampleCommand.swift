import CASSSamples
import Foundation

enum SampleCommand {
    static let help = """
    Usage: cass sample --awbs N --seed S --error-rate R [--agents A] --output DIR

    Writes a generated dataset to DIR: DIR/reference/*.csv and
    DIR/input/*.cbf, deterministic per seed. About R of the records and
    files carry a deliberate error (every rejection code occurs).

    Options:
      --awbs N         number of AWBs (default 300)
      --seed S         random seed (default 1)
      --error-rate R   fraction 0...1 of deliberately broken items (default 0.05)
      --agents A       active agents who bill (default and least 18, the fixed
                       cast; more are generated, 5:3:2 over GB, JP and KW, in
                       their operations' languages; at most 20018). The same
                       AWBs over more agents give more, smaller invoices:
                       --awbs 100000 --agents 200 gives about 1,800.
      --output DIR     where to write (must not already hold billing files)
    """

    static let command = CommandSpec(name: "sample", help: help, values: ["--awbs", "--seed", "--error-rate", "--agents", "--output"])

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            let output = try parsed.required("--output")
            guard let awbs = Int(parsed.value("--awbs") ?? "300"), awbs >= 0, let seed = UInt64(parsed.value("--seed") ?? "1"),
                  let rate = Double(parsed.value("--error-rate") ?? "0.05"), rate >= 0, rate <= 1 else {
                throw UsageError("--awbs and --seed take whole numbers, --error-rate a fraction from 0 to 1 such as 0.05")
            }
            let cast = SampleGenerator.castActiveAgents
            guard let agents = Int(parsed.value("--agents") ?? String(cast)), agents >= cast, agents - cast <= SampleConfig.extraAgentsMax else {
                throw UsageError("--agents takes a whole number from \(cast) (the fixed cast) to \(cast + SampleConfig.extraAgentsMax)")
            }
            let started = Date()
            let config = SampleConfig(awbs: awbs, seed: seed, errorRate: rate, extraAgents: agents - cast)
            let summary = try SampleGenerator.generate(config, into: URL(fileURLWithPath: output))
            Console.progress("wrote \(output) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s: \(summary.regularFiles + summary.brokenFiles) files, \(summary.billingRecords) billing records, \(summary.expectedRejections.count) deliberate rejections")
            return .ok
        }
    }
}
