import CASSSamples
import Foundation

enum SampleCommand {
    static let help = """
    Usage: cass sample --awbs N --seed S --error-rate R --output DIR

    Writes a generated dataset to DIR: DIR/reference/*.csv and
    DIR/input/*.cbf, deterministic per seed. About R of the records and
    files carry a deliberate error (every rejection code occurs).

    Options:
      --awbs N         number of AWBs (default 300)
      --seed S         random seed (default 1)
      --error-rate R   fraction 0...1 of deliberately broken items (default 0.05)
      --output DIR     where to write (must not already hold billing files)
    """

    static func run(_ args: [String]) -> ExitCode {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valueOptions: ["--awbs", "--seed", "--error-rate", "--output"], flagOptions: [])
        } catch {
            Console.error("\(error)\n\n" + help)
            return .usage
        }
        if parsed.has("help") {
            print(help)
            return .ok
        }
        guard let output = parsed.value("--output") else {
            Console.error("sample needs --output DIR\n\n" + help)
            return .usage
        }
        guard let awbs = Int(parsed.value("--awbs") ?? "300"), let seed = UInt64(parsed.value("--seed") ?? "1"),
              let rate = Double(parsed.value("--error-rate") ?? "0.05") else {
            Console.error("--awbs and --seed take whole numbers, --error-rate a fraction such as 0.05\n\n" + help)
            return .usage
        }
        do {
            let started = Date()
            let summary = try SampleGenerator.generate(SampleConfig(awbs: awbs, seed: seed, errorRate: rate), into: URL(fileURLWithPath: output))
            Console.progress("wrote \(output) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s: \(summary.regularFiles + summary.brokenFiles) files, \(summary.billingRecords) billing records, \(summary.expectedRejections.count) deliberate rejections")
            return .ok
        } catch {
            Console.error("\(error)")
            return .failure
        }
    }
}
