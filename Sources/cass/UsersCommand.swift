import CASSAccess
import CASSDomain
import CASSLog
import CASSService
import CASSWorkers
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cass users import`: the legacy system's users moved into a service's
/// data (portal.md "Users", docs/access.md "Migration"). The decisions are
/// CASSAccess's `LegacyImport.plan` (pure, tested on its own); this file
/// reads the file, opens the log the way `cass serve` does, writes the
/// activation tokens and then the users.
enum UsersCommand {
    static let help = """
    Usage: cass users import FILE --active-since YYYY-MM-DD --data DIR
                             [--activations FILE] [--force] [--dry-run]
                             [--brokers LIST] [-X key=value]

    Migrates the users of the legacy system into the service's data in DIR
    (docs/access.md, "Migration from the legacy system").

    FILE is a CSV with the header username,company,name,email,admin,rights,last_login
    (admin yes/no, rights an access level 0-9, last_login YYYY-MM-DD or empty;
    at most \(LegacyImport.rowsMax) users and \(fileBytesMax >> 20) MiB). Users whose last login is
    before --active-since, or empty, are not migrated. Legacy admins become
    `admin`, everyone else `viewer`; a company left without an enabled admin
    gets as admins its three migrated users with the highest rights (ties:
    latest login first, then username). Migrated users have no password: each
    gets a single-use activation token for POST /api/v1/activations
    {"token", "password"}. The counts per company (migrated, skipped,
    promoted, already present) are printed on standard output.

    The whole file is checked first: any bad row refuses the import (every
    problem is named by file, line and column) and nothing is imported.
    Running the same file again changes nothing: users already in the
    service are counted as "already present", never made twice, and no
    activation file is written when nobody new is migrated.

      --active-since DATE  the first day a last login must be on (YYYY-MM-DD)
      --data DIR           the data folder of `cass serve` (started once on it
                           already, with its reference data and first admin).
                           Without a broker the service must be stopped: its
                           log in DIR/log is held by one process at a time, and
                           the import refuses, saying so, while serve runs
      --activations FILE   where the tokens go: username,email,activation_token
                           (default ./activation.csv), created with mode 0600;
                           written before the users, so no user ever exists
                           whose token was lost. Keep it secret, send each user
                           their own token, then delete it
      --force              replace an existing activation file (its tokens stay
                           valid for the users they were made for: keep a copy)
      --dry-run            check the file and print the counts; write nothing
      --brokers LIST       the service runs on Kafka (default: $CASS_BROKERS);
                           the service can stay up meanwhile, but do not create
                           users through the API during the import (a user made
                           under a name the import is writing would be replaced)
      -X key=value         a librdkafka property (repeatable; also CASS_KAFKA_*)

    Environment: CASS_TODAY=YYYY-MM-DD sets "today" (the import's audit time),
    CASS_NAMESPACE prefixes every topic, CASS_BROKERS as --brokers.
    Exit codes: 0 imported (or nothing new to import, or a dry run);
    1 nothing imported: a bad FILE (its problems listed by line and column),
    DIR in use by a running service or never started, the activation file
    already there without --force, an I/O or log error; 2 bad command line.
    """

    static let importCommand = CommandSpec(
        name: "users import", help: help,
        values: ["--active-since", "--data", "--activations", "--brokers", "-X"],
        flags: ["--force", "--dry-run"], positionals: ["FILE"])

    /// The legacy export read at most (a million rows fit well within).
    static let fileBytesMax = 256 << 20
    /// Records per write to the log: a million users is two million
    /// records, sent in bounded batches.
    static let recordsPerSendMax = 4_096

    static func run(_ args: [String]) -> ExitCode {
        guard let sub = args.first else {
            Console.error("users needs a subcommand: import\n\n" + help)
            return .usage
        }
        switch sub {
        case "--help", "-h":
            print(help)
            return .ok
        case "import":
            return importCommand.run(Array(args.dropFirst())) { try importUsers($0) }
        default:
            Console.error("unknown users subcommand '\(sub)': import\n\n" + help)
            return .usage
        }
    }

    static func importUsers(_ parsed: Arguments) throws -> ExitCode {
        let file = parsed.positionals[0]
        let sinceText = try parsed.required("--active-since")
        guard let since = CivilDate(iso: Substring(sinceText)) else {
            throw UsageError("--active-since takes a date YYYY-MM-DD, not '\(sinceText)'")
        }
        let data = URL(fileURLWithPath: try parsed.required("--data"))
        let activations = URL(fileURLWithPath: parsed.value("--activations") ?? "activation.csv")
        let dryRun = parsed.has("--dry-run"), force = parsed.has("--force")
        let clock = try ServiceClock.fromEnvironment()
        let bytes = try readLegacyFile(file)

        let log = try ServiceLog.open(data: data, parsed: parsed, name: "users import", mustExist: true)
        defer {
            do { try ServiceLog.close(log) } catch { Console.error("closing the log: \(ErrorText.sentence(error))") }
        }
        let reference: ReferenceData
        do {
            reference = try ReferenceTopic.load(from: log)
        } catch {
            throw ServiceLogError("\(data.path) has no reference data yet (\(error)): start `cass serve --data \(data.path) --reference DIR --admin NAME` once first")
        }
        let state = try currentUsers(log)

        var random = KernelRandom()
        let plan: LegacyImport.Plan
        do {
            plan = try LegacyImport.plan(csv: bytes, file: file, activeSince: since, state: state,
                                         directory: CompanyDirectory(reference: reference), random: &random,
                                         context: RequestContext(now: clock.instant(), from: "cass users import"))
        } catch {
            Console.error(error.description)
            return .failure
        }
        if dryRun {
            print(plan.report, terminator: "")
            Console.progress("users import: dry run, nothing written")
            return .ok
        }
        guard !plan.activations.isEmpty else {
            print(plan.report, terminator: "")
            Console.progress("users import: nobody new to migrate; \(activations.path) left as it is")
            return .ok
        }
        // Tokens first: a user written without its token on disk could
        // never be activated (only the token's hash is kept).
        try writeActivations(plan.activationCSV, to: activations, force: force)
        do {
            let writer = try RecordWriter(log: log)
            for start in stride(from: 0, to: plan.records.count, by: recordsPerSendMax) {
                let batch = plan.records[start..<min(plan.records.count, start + recordsPerSendMax)]
                try writer.write(try batch.map { try writer.record(ServiceTopics.name($0.topic), key: $0.key, value: $0.value) })
            }
        } catch {
            // Some batches may be in: their users are there and their tokens
            // in the file are valid. A second run migrates the rest only.
            throw ServiceLogError("writing the users failed (\(ErrorText.sentence(error))): some may be imported already. "
                                  + "Keep \(activations.path) (its tokens are valid for those imported) and run the import again "
                                  + "with another --activations FILE: users already there are not made twice")
        }
        print(plan.report, terminator: "")
        Console.progress("users import: \(plan.activations.count) activation token(s) in \(activations.path) (mode 0600): "
                         + "send each user their own token, then delete the file")
        return .ok
    }

    static func readLegacyFile(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ServiceLogError("cannot read \(path): no such file, or not readable")
        }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: fileBytesMax + 1) ?? Data()
        guard data.count <= fileBytesMax else {
            throw ServiceLogError("\(path) is larger than \(fileBytesMax >> 20) MiB: split it and import each part (a second part does not undo the first)")
        }
        return [UInt8](data)
    }

    /// The users as the service has them now: the compacted users topic
    /// folded as the identity view folds it.
    static func currentUsers(_ log: any Log) throws -> AccessState {
        var state = AccessState()
        let topic = ServiceTopics.name(.users)
        for record in try log.readTopicToEnd(topic) {
            state.apply(try AccessRecord.decode(topic: .users, key: String(decoding: record.key, as: UTF8.self), value: record.value))
        }
        return state
    }

    /// Creates the activation file with mode 0600, refusing to replace one
    /// unless `force` (then a new file takes its place by rename, so a
    /// failure never leaves half a file).
    static func writeActivations(_ text: String, to url: URL, force: Bool) throws {
        let path = url.path
        let bytes = Array(text.utf8)
        if !force, FileManager.default.fileExists(atPath: path) {
            throw ServiceLogError("\(path) already exists (the tokens of an earlier import?): nothing imported. "
                                  + "Choose another --activations FILE, or --force to replace it")
        }
        let temporary = force ? path + ".tmp-\(getpid())" : path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw ServiceLogError("cannot create \(temporary): \(String(cString: strerror(code))); nothing imported")
        }
        var failure: Int32 = 0
        var written = 0
        while written < bytes.count && failure == 0 {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno != EINTR { failure = errno }
            } else {
                written += n
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0 && force && rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw ServiceLogError("cannot write \(path): \(String(cString: strerror(failure))); nothing imported")
        }
        // The name itself on disk, not only the bytes.
        let folder = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }
}
