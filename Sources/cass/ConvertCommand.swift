import CASSOneRecord
import Foundation

enum ConvertCommand {
    static let help = """
    Usage: cass convert FILE --to xml|cbf [--output FILE]

    Converts a billing file between the CBF and ONE Record XML formats (the
    input's format is recognised by content). CBF -> XML -> CBF gives back
    the same bytes for a valid file. A file that is rejected at file level,
    or whose conversion would change its outcome, is refused with the reason.
    Without --output the result goes beside the input with the new extension.
    """

    static func run(_ args: [String]) -> ExitCode {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valueOptions: ["--to", "--output"], flagOptions: [])
        } catch {
            Console.error("\(error)\n\n" + help)
            return .usage
        }
        if parsed.has("help") {
            print(help)
            return .ok
        }
        guard parsed.positionals.count == 1, let target = parsed.value("--to"), let format = BillingFileFormat(rawValue: target) else {
            Console.error("convert needs one FILE and --to xml or --to cbf\n\n" + help)
            return .usage
        }
        do {
            let output = try FileConverter.convertFile(URL(fileURLWithPath: parsed.positionals[0]), to: format, output: parsed.value("--output").map { URL(fileURLWithPath: $0) })
            Console.progress("wrote \(output.path)")
            return .ok
        } catch {
            Console.error("\(parsed.positionals[0]): \(error)")
            return .failure
        }
    }
}
