import Foundation

/// `POST /api/v1/users`, as sent: fields are read as given and judged by
/// the command, so every problem is reported at once.
public struct NewUser: Sendable, Hashable {
    public var username: String?
    public var company: String?
    public var role: String?
    public var name: String?
    public var email: String?
    public var language: String?
    public var operations: [String]?
    public var password: String?
    public var disabled: Bool?

    public init(username: String? = nil, company: String? = nil, role: String? = nil, name: String? = nil, email: String? = nil,
                language: String? = nil, operations: [String]? = nil, password: String? = nil, disabled: Bool? = nil) {
        self.username = username
        self.company = company
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.operations = operations
        self.password = password
        self.disabled = disabled
    }

    /// Reads a JSON body: 400 when it is not a JSON object, 422 listing
    /// every field of the wrong type or unknown.
    public static func decode(json: [UInt8]) throws(AccessError) -> NewUser {
        let fields = try JSONFields(json, known: ["username", "company", "role", "name", "email", "language", "operations", "password", "disabled"])
        let user = NewUser(
            username: fields.string("username"), company: fields.string("company"), role: fields.string("role"),
            name: fields.string("name"), email: fields.string("email"), language: fields.string("language"),
            operations: fields.strings("operations"), password: fields.string("password"), disabled: fields.bool("disabled"))
        try fields.finish()
        return user
    }
}

/// `PATCH /api/v1/users/{username}`: only the fields present change.
public struct UserPatch: Sendable, Hashable {
    public var role: String?
    public var name: String?
    public var email: String?
    public var language: String?
    public var operations: [String]?
    public var disabled: Bool?
    public var password: String?

    public init(role: String? = nil, name: String? = nil, email: String? = nil, language: String? = nil,
                operations: [String]? = nil, disabled: Bool? = nil, password: String? = nil) {
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.operations = operations
        self.disabled = disabled
        self.password = password
    }

    /// Fields only an admin changes.
    var touchesAdministration: Bool { role != nil || operations != nil || disabled != nil }
    /// Fields every user changes on their own record.
    var touchesProfile: Bool { name != nil || email != nil || language != nil || password != nil }

    public static func decode(json: [UInt8]) throws(AccessError) -> UserPatch {
        let fields = try JSONFields(json, known: ["role", "name", "email", "language", "operations", "disabled", "password"])
        let patch = UserPatch(
            role: fields.string("role"), name: fields.string("name"), email: fields.string("email"),
            language: fields.string("language"), operations: fields.strings("operations"),
            disabled: fields.bool("disabled"), password: fields.string("password"))
        try fields.finish()
        return patch
    }
}

/// `POST /api/v1/activations`.
public struct ActivationRequest: Sendable, Hashable {
    public var token: String?
    public var password: String?

    public init(token: String?, password: String?) {
        self.token = token
        self.password = password
    }

    public static func decode(json: [UInt8]) throws(AccessError) -> ActivationRequest {
        let fields = try JSONFields(json, known: ["token", "password"])
        let request = ActivationRequest(token: fields.string("token"), password: fields.string("password"))
        try fields.finish()
        return request
    }
}

/// `POST /api/v1/sessions`.
public struct LoginRequest: Sendable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// A login with a missing or non-string field is 422 (nothing was
    /// checked, so it is not a failed login).
    public static func decode(json: [UInt8]) throws(AccessError) -> LoginRequest {
        let fields = try JSONFields(json, known: ["username", "password"])
        let username = fields.string("username"), password = fields.string("password")
        try fields.finish()
        var missing: [FieldError] = []
        if username == nil { missing.append(FieldError(field: "username", message: "is required")) }
        if password == nil { missing.append(FieldError(field: "password", message: "is required")) }
        guard let username, let password else { throw .invalid(missing) }
        return LoginRequest(username: username, password: password)
    }
}

/// A JSON object's fields, each read as one expected type; a field of
/// another type (null included) or a name the route does not take is
/// collected as a field error.
final class JSONFields {
    private let object: [String: JSONValue]
    private var errors: [FieldError] = []

    init(_ bytes: [UInt8], known: Set<String>) throws(AccessError) {
        guard bytes.count <= 1 << 20 else { throw .malformed("the JSON body is over 1 MiB") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .malformed("the body is not valid JSON")
        }
        guard case .object(let object) = value else { throw .malformed("the body must be a JSON object") }
        self.object = object
        for name in object.keys.sorted() where !known.contains(name) {
            errors.append(FieldError(field: name, message: "is not a field of this request"))
        }
    }

    func string(_ name: String) -> String? {
        guard let value = object[name] else { return nil }
        if case .string(let text) = value { return text }
        errors.append(FieldError(field: name, message: "must be a string"))
        return nil
    }

    func bool(_ name: String) -> Bool? {
        guard let value = object[name] else { return nil }
        if case .bool(let flag) = value { return flag }
        errors.append(FieldError(field: name, message: "must be true or false"))
        return nil
    }

    func strings(_ name: String) -> [String]? {
        guard let value = object[name] else { return nil }
        if case .array(let items) = value {
            var texts: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    errors.append(FieldError(field: name, message: "must be a list of strings"))
                    return nil
                }
                texts.append(text)
            }
            return texts
        }
        errors.append(FieldError(field: name, message: "must be a list of strings"))
        return nil
    }

    func finish() throws(AccessError) {
        if !errors.isEmpty { throw .invalid(errors) }
    }
}

/// Any JSON value, to read a body field by field.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
