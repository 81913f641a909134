import CASSOneRecord
import CASSWorkers
import Foundation

enum ConvertCommand {
    static let help = """
    Usage: cass convert FILE --to xml|jsonld|cbf [--output FILE]

    Converts a billing file between the CBF, ONE Record RDF/XML and JSON-LD
    formats (the input's format is recognised by content). CBF -> XML -> CBF
    and CBF -> JSON-LD -> CBF give back the same bytes for a valid file. A file that is rejected at file level,
    or whose conversion would change its outcome, is refused with the reason.
    Without --output the result goes beside the input with the new extension.
    """

    static let command = CommandSpec(name: "convert", help: help, values: ["--to", "--output"], positionals: ["FILE"])

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            let target = try parsed.required("--to")
            guard let format = BillingFileFormat(rawValue: target) else { throw UsageError("--to takes xml, jsonld or cbf, not '\(target)'") }
            do {
                let output = try FileConverter.convertFile(URL(fileURLWithPath: parsed.positionals[0]), to: format, output: parsed.value("--output").map { URL(fileURLWithPath: $0) })
                Console.progress("wrote \(output.path)")
                return .ok
            } catch {
                Console.error("\(parsed.positionals[0]): \(ErrorText.sentence(error))")
                return .failure
            }
        }
    }
}
