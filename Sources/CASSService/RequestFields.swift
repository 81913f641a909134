import CASSDomain
import CASSHTTP
import Foundation

/// A JSON request body read field by field, for the routes whose bodies
/// carry amounts: integers are read as integers (never through a binary
/// float), and every problem is collected so that one 422 names them all.
/// A body that is not a JSON object is 400.
final class RequestFields {
    /// Any JSON value. Numbers that are exact integers within 64 bits are
    /// `integer`; any other number is only known to be a number.
    enum Value: Decodable {
        case null, bool(Bool), integer(Int64), number, string(String), array([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let integer = try? container.decode(Int64.self) {
                self = .integer(integer)
            } else if (try? container.decode(Double.self)) != nil {
                self = .number
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let items = try? container.decode([Value].self) {
                self = .array(items)
            } else {
                self = .object(try container.decode([String: Value].self))
            }
        }
    }

    private let object: [String: Value]
    private(set) var errors: [HTTPError.FieldError] = []
    /// Prefixes field names in errors (`webhooks[0].url`).
    private let path: String

    init(_ bytes: [UInt8], known: Set<String>) throws {
        let value: Value
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw HTTPError.badRequest("the body is not valid JSON")
        }
        guard case .object(let object) = value else { throw HTTPError.badRequest("the body must be a JSON object") }
        self.object = object
        self.path = ""
        rejectUnknown(known)
    }

    /// The fields of a nested object, reporting into `parent`.
    private init(object: [String: Value], path: String) {
        self.object = object
        self.path = path
    }

    private func rejectUnknown(_ known: Set<String>) {
        for name in object.keys.sorted() where !known.contains(name) {
            fail(name, "is not a field of this request")
        }
    }

    var names: Set<String> { Set(object.keys) }

    func has(_ name: String) -> Bool { object[name] != nil }

    func fail(_ name: String, _ message: String) {
        errors.append(HTTPError.FieldError(field: path + name, message: message))
    }

    private func value(_ name: String, required: Bool) -> Value? {
        guard let value = object[name] else {
            if required { fail(name, "is required") }
            return nil
        }
        return value
    }

    /// A string of at most `maxCharacters` Unicode scalars (JSON Schema's
    /// maxLength: a letter with combining marks counts each), without
    /// control characters.
    func string(_ name: String, required: Bool = true, maxCharacters: Int = 1_000) -> String? {
        guard let value = value(name, required: required) else { return nil }
        guard case .string(let text) = value else {
            fail(name, "must be a string")
            return nil
        }
        if text.unicodeScalars.count > maxCharacters {
            fail(name, "is longer than \(maxCharacters) characters")
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) {
            fail(name, "holds control characters")
            return nil
        }
        return text
    }

    /// An amount in minor units: an integer within 64 bits.
    func integer(_ name: String, required: Bool = true) -> Int64? {
        guard let value = value(name, required: required) else { return nil }
        guard case .integer(let number) = value else {
            fail(name, "must be an integer (minor units) within the 64-bit range")
            return nil
        }
        return number
    }

    func bool(_ name: String, required: Bool = true) -> Bool? {
        guard let value = value(name, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            fail(name, "must be true or false")
            return nil
        }
        return flag
    }

    /// A date `YYYY-MM-DD`.
    func date(_ name: String, required: Bool = true) -> CivilDate? {
        guard let text = string(name, required: required, maxCharacters: 10) else { return nil }
        guard text.utf8.count == 10, let date = CivilDate(iso: Substring(text)) else {
            fail(name, "must be a date YYYY-MM-DD")
            return nil
        }
        return date
    }

    /// A list of strings of at most `maxItems`.
    func strings(_ name: String, required: Bool = true, maxItems: Int, maxCharacters: Int = 1_000) -> [String]? {
        guard let value = value(name, required: required) else { return nil }
        guard case .array(let items) = value else {
            fail(name, "must be a list of strings")
            return nil
        }
        if items.count > maxItems {
            fail(name, "has more than \(maxItems) items")
            return nil
        }
        var texts: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                fail("\(name)[\(index)]", "must be a string")
                return nil
            }
            if text.unicodeScalars.count > maxCharacters || text.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) {
                fail("\(name)[\(index)]", "must be at most \(maxCharacters) characters without control characters")
                return nil
            }
            texts.append(text)
        }
        return texts
    }

    /// A list of objects of at most `maxItems`, each read by `read` with its
    /// own field reader (errors named `name[i].field`).
    func objects<T>(_ name: String, required: Bool = true, maxItems: Int, known: Set<String>,
                    _ read: (RequestFields) -> T?) -> [T]? {
        guard let value = value(name, required: required) else { return nil }
        guard case .array(let items) = value else {
            fail(name, "must be a list of objects")
            return nil
        }
        if items.count > maxItems {
            fail(name, "has more than \(maxItems) items")
            return nil
        }
        var out: [T] = []
        var failed = false
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                fail("\(name)[\(index)]", "must be an object")
                failed = true
                continue
            }
            let nested = RequestFields(object: fields, path: "\(path)\(name)[\(index)].")
            nested.rejectUnknown(known)
            let result = read(nested)
            errors.append(contentsOf: nested.errors)
            if let result, nested.errors.isEmpty { out.append(result) } else { failed = true }
        }
        return failed ? nil : out
    }

    /// 422 naming every problem found, if any.
    func finish() throws {
        guard !errors.isEmpty else { return }
        let detail = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        throw HTTPError(HTTPStatus(422), detail: detail, errors: errors)
    }
}
