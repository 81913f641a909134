import CASSCrypto
import CASSDomain

/// `cass users import FILE --active-since YYYY-MM-DD --data DIR`: the plan
/// for moving the legacy system's users over, computed without touching
/// anything. The command writes `plan.records` to their topics,
/// `plan.activationCSV` to `activation.csv`, and prints `plan.report`.
///
/// The file is judged whole first: any bad row refuses the import, naming
/// every bad row's line and column, and nothing is migrated; the operator
/// fixes the file and runs it again. Rows of users who would not be
/// migrated (inactive) are only checked for their own format, so a dead
/// account with an old-style name or a company that has left CASS does not
/// block anyone; an active row naming an unknown company or carrying a
/// name that is not a valid username refuses the import (no name is
/// invented for a user, no user dropped silently).
public enum LegacyImport {
    public static let columns = ["username", "company", "name", "email", "admin", "rights", "last_login"]
    public static let rowsMax = 1_000_000
    /// Problems listed at most (the count says how many more).
    public static let problemsShownMax = 100
    public static let promotedPerCompanyMax = 3

    public struct Counts: Sendable, Hashable {
        /// The company as the file names it.
        public var company: String
        /// Users made by this import (promoted ones included).
        public var migrated = 0
        /// Users not migrated: last login before the date, or none.
        public var skipped = 0
        /// Migrated users made admins because the company had none.
        public var promoted = 0
        /// Users already in the service under that name and company (a
        /// second run of the same file): left as they are.
        public var alreadyPresent = 0

        public init(company: String, migrated: Int = 0, skipped: Int = 0, promoted: Int = 0, alreadyPresent: Int = 0) {
            self.company = company
            self.migrated = migrated
            self.skipped = skipped
            self.promoted = promoted
            self.alreadyPresent = alreadyPresent
        }
    }

    public struct Activation: Sendable, Hashable {
        public var username: String
        public var email: String
        public var token: String
    }

    public struct Plan: Sendable {
        /// User records and their audit entries, in file order.
        public var records: [AccessRecord]
        /// One per migrated user, in file order.
        public var activations: [Activation]
        /// Per company, by company name.
        public var counts: [Counts]

        /// `activation.csv`: `username,email,activation_token`.
        public var activationCSV: String {
            var text = "username,email,activation_token\n"
            for row in activations {
                text += [row.username, row.email, row.token].map(CSV.escape).joined(separator: ",") + "\n"
            }
            return text
        }

        /// What the command prints: a line per company, then the totals.
        public var report: String {
            var lines = counts.map { c in
                "\(c.company): \(c.migrated) migrated, \(c.skipped) skipped, \(c.promoted) promoted"
                    + (c.alreadyPresent > 0 ? ", \(c.alreadyPresent) already present" : "")
            }
            let total = counts.reduce(into: Counts(company: "total")) {
                $0.migrated += $1.migrated
                $0.skipped += $1.skipped
                $0.promoted += $1.promoted
                $0.alreadyPresent += $1.alreadyPresent
            }
            lines.append("total: \(total.migrated) migrated, \(total.skipped) skipped, \(total.promoted) promoted"
                         + (total.alreadyPresent > 0 ? ", \(total.alreadyPresent) already present" : ""))
            return lines.joined(separator: "\n") + "\n"
        }
    }

    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        /// 1-based; 0 when the problem is the row's, not a field's.
        public var column: Int
        public var columnName: String
        public var message: String

        public var description: String {
            column == 0 ? "line \(line): \(message)" : "line \(line), column \(column) (\(columnName)): \(message)"
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var file: String
        /// The first `problemsShownMax` problems, in line order.
        public var problems: [Problem]
        public var total: Int

        public var description: String {
            var text = "\(file): \(total) problem(s), nothing imported\n"
            text += problems.map { "\(file) \($0)" }.joined(separator: "\n")
            if total > problems.count { text += "\n... and \(total - problems.count) more" }
            return text
        }
    }

    struct Row {
        var line: Int
        var username: String
        var companyText: String
        var name: String
        var email: String
        var admin: Bool
        var rights: Int
        var lastLogin: CivilDate?
    }

    public static func plan(
        csv bytes: [UInt8], file: String, activeSince: CivilDate, state: AccessState, directory: CompanyDirectory,
        random: inout some RandomSource, context: RequestContext
    ) throws(Failure) -> Plan {
        var problems: [Problem] = []
        func fail(_ problems: [Problem]) -> Failure {
            let sorted = problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
            return Failure(file: file, problems: Array(sorted.prefix(problemsShownMax)), total: problems.count)
        }
        let parsed: [CSV.Row]
        do {
            parsed = try CSV.parse(bytes)
        } catch {
            throw fail([Problem(line: error.line, column: error.column, columnName: column(error.column), message: "not valid CSV: \(error.message)")])
        }
        guard let header = parsed.first else {
            throw fail([Problem(line: 1, column: 0, columnName: "", message: "empty file: the header \(columns.joined(separator: ",")) is required")])
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names == columns else {
            throw fail([Problem(line: header.line, column: 0, columnName: "",
                                message: "the header must be \(columns.joined(separator: ",")), found \(names.joined(separator: ","))")])
        }
        let dataRows = parsed.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        guard dataRows.count <= rowsMax else {
            throw fail([Problem(line: dataRows[dataRows.startIndex + rowsMax].line, column: 0, columnName: "", message: "more than \(rowsMax) users")])
        }

        // Every row's own format.
        var rows: [Row] = []
        var firstLine: [String: Int] = [:]
        for raw in dataRows {
            guard raw.fields.count == columns.count else {
                problems.append(Problem(line: raw.line, column: min(raw.fields.count, columns.count) + 1, columnName: column(min(raw.fields.count, columns.count) + 1),
                                        message: "\(raw.fields.count) fields, expected \(columns.count)"))
                continue
            }
            let f = raw.fields
            var rowProblems: [Problem] = []
            func problem(_ index: Int, _ message: String) {
                rowProblems.append(Problem(line: raw.line, column: index + 1, columnName: columns[index], message: message))
            }
            let admin: Bool
            switch f[4].lowercased() {
            case "yes": admin = true
            case "no": admin = false
            default:
                admin = false
                problem(4, "must be yes or no, found \"\(f[4])\"")
            }
            var rights = 0
            if f[5].utf8.count == 1, let digit = f[5].utf8.first, digit >= 48, digit <= 57 {
                rights = Int(digit - 48)
            } else {
                problem(5, "must be an access level 0-9, found \"\(f[5])\"")
            }
            var lastLogin: CivilDate?
            if !f[6].isEmpty {
                lastLogin = CivilDate(iso: Substring(f[6]))
                if lastLogin == nil { problem(6, "must be a date YYYY-MM-DD or empty, found \"\(f[6])\"") }
            }
            if let earlier = firstLine[f[0]] {
                problem(0, "username \(f[0]) is also on line \(earlier)")
            } else {
                firstLine[f[0]] = raw.line
            }
            let row = Row(line: raw.line, username: f[0], companyText: f[1], name: f[2], email: f[3], admin: admin, rights: rights, lastLogin: lastLogin)
            // What a migrated user must also satisfy.
            if rowProblems.isEmpty, let login = lastLogin, login >= activeSince {
                if let message = UserRules.usernameProblem(row.username) { problem(0, message) }
                if let company = CompanyID(row.companyText) {
                    if !directory.contains(company) { problem(1, "unknown company \(row.companyText)") }
                } else {
                    problem(1, "not a company name (cass, airline-PPP, agent-CC-AAAAAAAAAAA, agent-group-AAAAAAA): \(row.companyText)")
                }
                if let message = UserRules.nameProblem(row.name) { problem(2, message) }
                if let message = UserRules.emailProblem(row.email) { problem(3, message) }
                if let existing = state.user(row.username), existing.company.description != row.companyText {
                    problem(0, "username \(row.username) is taken by a user of \(existing.company)")
                }
            }
            problems += rowProblems
            rows.append(row)
        }
        guard problems.isEmpty else { throw fail(problems) }

        // Who migrates, per company.
        var counts: [String: Counts] = [:]
        var migrated: [Row] = []
        for row in rows {
            var count = counts[row.companyText] ?? Counts(company: row.companyText)
            if let login = row.lastLogin, login >= activeSince {
                if state.user(row.username) != nil {
                    count.alreadyPresent += 1
                } else {
                    count.migrated += 1
                    migrated.append(row)
                }
            } else {
                count.skipped += 1
            }
            counts[row.companyText] = count
        }

        // A company left without an admin: its three migrated users with
        // the highest rights (then latest login, then username) become admins.
        var promoted: Set<String> = []
        for company in Set(migrated.map(\.companyText)) {
            guard let id = CompanyID(company), state.enabledAdminCount(of: id) == 0,
                  !migrated.contains(where: { $0.companyText == company && $0.admin }) else { continue }
            let chosen = migrated.filter { $0.companyText == company }.sorted { a, b in
                if a.rights != b.rights { return a.rights > b.rights }
                if a.lastLogin != b.lastLogin { return (a.lastLogin ?? activeSince) > (b.lastLogin ?? activeSince) }
                return a.username < b.username
            }.prefix(promotedPerCompanyMax)
            for row in chosen { promoted.insert(row.username) }
            counts[company]?.promoted = chosen.count
        }

        var records: [AccessRecord] = []
        var activations: [Activation] = []
        for row in migrated {
            guard let company = CompanyID(row.companyText) else { continue }
            let token: (token: String, hash: String)
            let userID: String
            do {
                token = try Tokens.make(random: &random)
                userID = Hex.encode(try random.bytes(16))
            } catch {
                throw fail([Problem(line: row.line, column: 0, columnName: "", message: error.description)])
            }
            let role: Role = row.admin || promoted.contains(row.username) ? .admin : .viewer
            let user = UserRecord(
                username: row.username, company: company, role: role, name: row.name, email: row.email,
                language: directory.company(company)?.language ?? "en", operations: .all, disabled: false,
                userID: userID, passwordHash: nil, activationTokenHash: token.hash,
                createdAt: context.now, updatedAt: context.now)
            records.append(.userPut(user))
            let how = row.admin ? "legacy admin" : promoted.contains(row.username) ? "promoted: the company had no admin" : "basic profile"
            records.append(.audit(AuditEntry(at: context.now, actor: "", actorCompany: "", action: "user.imported", target: "user:\(row.username)",
                                             detail: "company \(company), role \(role.rawValue) (\(how)), line \(row.line) of \(file)", from: context.from)))
            activations.append(Activation(username: row.username, email: row.email, token: token.token))
        }
        return Plan(records: records, activations: activations, counts: counts.values.sorted { $0.company < $1.company })
    }

    private static func column(_ index: Int) -> String {
        index >= 1 && index <= columns.count ? columns[index - 1] : ""
    }
}
