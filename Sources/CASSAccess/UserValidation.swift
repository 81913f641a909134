/// The rules for each field of a user, as messages for problem+json.
/// Limits are stated here and enforced on every path that sets a field
/// (API, bootstrap, migration).
public enum UserRules {
    public static let usernameLength = 3...64
    public static let passwordLength = 12...1024
    public static let nameLengthMax = 200
    public static let emailLengthMax = 254

    /// 3-64 characters of `a-z 0-9 . _ -`; `me` is the route of the
    /// caller's own record, so no user may carry that name.
    public static func usernameProblem(_ username: String) -> String? {
        guard usernameLength.contains(username.utf8.count) else {
            return "must be 3 to 64 characters long"
        }
        for byte in username.utf8 {
            let ok = (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 46 || byte == 95 || byte == 45
            if !ok { return "may contain only lower-case letters a-z, digits, '.', '_' and '-'" }
        }
        if username == "me" { return "'me' is reserved" }
        return nil
    }

    /// At least 12 characters (as a reader counts them, so 12 accented or
    /// CJK letters pass), at most 1,024; any script.
    public static func passwordProblem(_ password: String) -> String? {
        let count = password.count
        if count < passwordLength.lowerBound { return "must be at least 12 characters long" }
        if password.unicodeScalars.count > passwordLength.upperBound || password.utf8.count > 4 * passwordLength.upperBound {
            return "must be at most 1024 characters long"
        }
        return nil
    }

    /// Free text up to 200 characters, no control characters. Upper limits
    /// count Unicode scalars, as JSON Schema's maxLength does (a letter
    /// with combining marks is several), so no text the API document
    /// refuses is taken.
    public static func nameProblem(_ name: String) -> String? {
        if name.unicodeScalars.count > nameLengthMax { return "must be at most 200 characters long" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// Empty, or `local@domain`: one `@`, both sides non-empty, no spaces
    /// or control characters, at most 254 bytes. Deliverability is not
    /// ours to judge.
    public static func emailProblem(_ email: String) -> String? {
        if email.isEmpty { return nil }
        if email.utf8.count > emailLengthMax { return "must be at most 254 characters long" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            return "must be an e-mail address (name@domain)"
        }
        return nil
    }

    public static func languageProblem(_ language: String) -> String? {
        Language(language) == nil ? "must be one of \(Language.supported.joined(separator: ", "))" : nil
    }

    public static func roleProblem(_ role: Role, in company: CompanyID) -> String? {
        guard role.isAllowed(in: company.kind) else {
            let allowed = Role.allowed(in: company.kind).map(\.rawValue).joined(separator: ", ")
            return "\(role.rawValue) is not a role of \(company.kind == .operator ? "the operator" : "an \(company.kind.label) company"); allowed: \(allowed)"
        }
        return nil
    }

    /// `["*"]` or known operation countries.
    public static func operationsProblem(_ list: [String], known: Set<String>) -> String? {
        guard let scope = OperationScope(list: list) else {
            return "must be [\"*\"] or a non-empty list of operation countries"
        }
        if case .only(let countries) = scope {
            let unknown = countries.filter { !known.contains($0) }
            if !unknown.isEmpty { return "unknown operation \(unknown.joined(separator: ", "))" }
        }
        return nil
    }
}
