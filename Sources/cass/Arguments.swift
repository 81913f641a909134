import CASSWorkers
import Foundation

/// A parsed command line: `--name value` (or `--name=value`), `--flag`,
/// `-X key=value` (repeatable) and positionals. Unknown options are errors,
/// never ignored.
struct Arguments {
    var positionals: [String] = []
    var options: [String: [String]] = [:]
    var flags: Set<String> = []

    init(_ args: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws(UsageError) {
        var index = 0
        var optionsEnded = false
        while index < args.count {
            let arg = args[index]
            if optionsEnded {
                positionals.append(arg)
            } else if arg == "--" {
                // Everything after `--` is a positional, even `-x.cbf`.
                optionsEnded = true
            } else if arg == "--help" || arg == "-h" {
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
                    guard inlineValue == nil else { throw UsageError("\(name) takes no value") }
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option '\(arg)'")
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

    /// An option's value as a whole number in a range, or a usage error naming it.
    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }
}

/// What a command accepts and its help: the one preamble every command
/// runs through (`run`). `--help`/`-h` prints the help and exits 0;
/// unknown options, missing values, missing or extra positionals print
/// what is wrong (naming the argument), the usage lines and exit 2; a
/// `UsageError` thrown by the body does the same; any other error is
/// printed as a sentence and exits 1.
struct CommandSpec {
    /// As typed after `cass`: "settle", "topics describe".
    var name: String
    /// The full help; its first paragraph is the usage line(s).
    var help: String
    var values: Set<String> = []
    var flags: Set<String> = []
    /// Names of the positionals, in order (for messages).
    var positionals: [String] = []
    /// How many positionals at least (default: all of `positionals`).
    var minimumPositionals: Int?
    /// Whether the last positional repeats (`FILE|DIR...`).
    var variadic = false

    var usage: String {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        let paragraph = lines.prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return paragraph.joined(separator: "\n")
    }

    /// Parses and checks the arguments; nil after printing help.
    func parse(_ args: [String]) throws(UsageError) -> Arguments? {
        let parsed = try Arguments(args, valueOptions: values, flagOptions: flags)
        if parsed.has("help") { return nil }
        let minimum = minimumPositionals ?? positionals.count
        if parsed.positionals.count < minimum {
            let missing = positionals[parsed.positionals.count..<min(positionals.count, minimum)].joined(separator: " ")
            throw UsageError("\(name) needs \(missing)")
        }
        if !variadic && parsed.positionals.count > positionals.count {
            let extra = parsed.positionals[positionals.count...].map { "'\($0)'" }.joined(separator: " ")
            let takes = positionals.isEmpty ? "no arguments besides its options" : "only " + positionals.joined(separator: " ")
            throw UsageError("unexpected argument\(parsed.positionals.count - positionals.count > 1 ? "s" : "") \(extra): \(name) takes \(takes)")
        }
        return parsed
    }

    func run(_ args: [String], _ body: (Arguments) throws -> ExitCode) -> ExitCode {
        let parsed: Arguments
        do {
            guard let checked = try parse(args) else {
                print(help)
                return .ok
            }
            parsed = checked
        } catch {
            usageError(error)
            return .usage
        }
        do {
            return try body(parsed)
        } catch let error as UsageError {
            usageError(error)
            return .usage
        } catch {
            Console.error(ErrorText.sentence(error))
            return .failure
        }
    }

    func usageError(_ error: UsageError) {
        Console.error("\(name): \(error)\n\n\(usage)\n\nRun `cass \(name) --help` for the options.")
    }
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
    /// `cass serve` was told to stop and did not finish stopping within its
    /// deadline (it names the part it was stuck in); it exited anyway.
    case stopTimedOut = 3
}

enum Console {
    nonisolated static func error(_ message: String) {
        FileHandle.standardError.write(Data(("cass: " + message + "\n").utf8))
    }

    /// A warning: printed even with --quiet (it is not progress).
    nonisolated static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("cass: warning: " + message + "\n").utf8))
    }

    nonisolated static func progress(_ message: String) {
        // Timestamped: worker logs are read side by side.
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                                formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        FileHandle.standardError.write(Data((stamp + " cass: " + message + "\n").utf8))
    }
}
