import CASSOneRecord
import CASSRender
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
            let input = URL(fileURLWithPath: parsed.positionals[0])
            let output = parsed.value("--output").map { URL(fileURLWithPath: $0) } ?? input.deletingPathExtension().appendingPathExtension(format.rawValue)
            // Every refusal a sentence naming the file (issue 17: a folder
            // given as input or output was a Foundation dump, an output in
            // a missing folder "cannot read" it).
            let bytes: Data
            switch FolderSettlement.open(input) {
            case .failure(let unreadable):
                Console.error("\(input.path): \(unreadable.reason)")
                return .failure
            case .success(let data):
                bytes = data
            }
            if let problem = outputProblem(output, input: input) {
                Console.error("\(input.path): cannot write \(output.path): \(problem)")
                return .failure
            }
            do {
                let converted = try FileConverter.convert(bytes: [UInt8](bytes), fileName: input.lastPathComponent, to: format)
                // A bounded hidden temporary name, renamed into place: a kill
                // leaves no half-written file under the final name.
                try AtomicFile.write(converted, to: output)
                Console.progress("wrote \(output.path)")
                return .ok
            } catch {
                Console.error("\(input.path): \(ErrorText.sentence(error))")
                return .failure
            }
        }
    }

    /// Why the output cannot be written there, checked before converting.
    static func outputProblem(_ output: URL, input: URL) -> String? {
        var target = stat(), source = stat()
        if stat(output.path, &target) == 0 {
            if target.st_mode & S_IFMT == S_IFDIR { return "it is a folder; give the name of a file" }
            if target.st_mode & S_IFMT != S_IFREG { return "it is not a regular file" }
            // The same file under another name (a link, a path with `..`).
            if stat(input.path, &source) == 0, source.st_dev == target.st_dev, source.st_ino == target.st_ino {
                return "it is the input file; give another --output"
            }
        }
        let folder = output.deletingLastPathComponent().path
        var info = stat()
        guard stat(folder, &info) == 0 else { return "the folder \(folder) does not exist" }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "\(folder) is not a folder" }
        guard access(folder, W_OK) == 0 else { return "the folder \(folder) cannot be written (\(ErrorText.posix(errno)))" }
        let length = output.lastPathComponent.utf8.count
        if length > 255 { return "the name is \(length) bytes long; a file system takes at most 255" }
        return nil
    }
}
