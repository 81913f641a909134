import Foundation

/// A small argument parser: `--name value`, `--flag`, `-X key=value`
/// (repeatable) and positionals. Unknown options are errors, not ignored.
struct Arguments {
    var positionals: [String] = []
    var options: [String: [String]] = [:]
    var flags: Set<String> = []

    init(_ args: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws(UsageError) {
        var index = 0
        while index < args.count {
            let arg = args[index]
            if arg == "--help" || arg == "-h" {
                flags.insert("help")
            } else if arg.hasPrefix("-") && arg.count > 1 {
                var name = arg
                var inlineValue: String?
                if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
                    name = String(arg[..<eq])
                    inlineValue = String(arg[arg.index(after: eq)...])
                }
                if valueOptions.contains(name) {
                    if let inlineValue {
                        options[name, default: []].append(inlineValue)
                    } else {
                        guard index + 1 < args.count else { throw UsageError("\(name) needs a value") }
                        index += 1
                        options[name, default: []].append(args[index])
                    }
                } else if flagOptions.contains(name) {
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option \(arg)")
                }
            } else {
                positionals.append(arg)
            }
            index += 1
        }
    }

    func value(_ name: String) -> String? { options[name]?.last }

    func required(_ name: String) throws(UsageError) -> String {
        guard let value = value(name) else { throw UsageError("\(name) is required") }
        return value
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Exit codes that mean something to a script or an operator.
enum ExitCode: Int32 {
    case ok = 0
    /// The job could not run: bad input folder, bad reference data, I/O.
    case failure = 1
    /// The command line was wrong.
    case usage = 2
}

enum Console {
    nonisolated static func error(_ message: String) {
        FileHandle.standardError.write(Data(("cass: " + message + "\n").utf8))
    }

    nonisolated static func progress(_ message: String) {
        // Timestamped: worker logs are read side by side.
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                                formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        FileHandle.standardError.write(Data((stamp + " cass: " + message + "\n").utf8))
    }
}
