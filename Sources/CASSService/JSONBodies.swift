import CASSHTTP
import Foundation

/// Request and answer bodies: JSON objects of at most 1 MiB in, camelCase
/// JSON out (portal.md "Shapes every answer shares").
enum JSONBodies {
    static let bodyBytesMax = 1 << 20

    /// The request's JSON body (413 beyond 1 MiB, 415 for another media type).
    static func read(_ request: Request, required: Bool = true) throws -> [UInt8] {
        if let type = request.mediaType, type != "application/json", !type.hasSuffix("+json") {
            throw HTTPError(HTTPStatus(415), detail: "send the body as application/json")
        }
        let bytes = try request.readBody(limit: bodyBytesMax)
        if bytes.isEmpty && !required { return Array("{}".utf8) }
        return bytes
    }

    /// A JSON object's fields, or 400.
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
              let object = value as? [String: Any] else {
            throw HTTPError.badRequest("the body must be a JSON object")
        }
        return object
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try encoder.encode(value)) }

    static func answer<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
        .json(try encode(value), status: status)
    }
}

/// `{"items": [...], "next": CURSOR or null}` with `?limit=` (default
/// 100, at most 1000) and `?after=`: every list the API returns.
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var next: String?

    enum CodingKeys: String, CodingKey { case items, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)   // null, not absent
    }
}

struct Paging {
    static let limitDefault = 100
    static let limitMax = 1000

    var limit: Int
    /// The sort key of the last item of the previous page.
    var after: String?

    init(_ request: Request) throws {
        limit = try request.query.integer("limit", in: 1...Paging.limitMax) ?? Paging.limitDefault
        if let cursor = request.query["after"], !cursor.isEmpty {
            guard let bytes = Base64URLCursor.decode(cursor) else {
                throw HTTPError(HTTPStatus(422), detail: "after: not a cursor this service gave", errors: [HTTPError.FieldError(field: "after", message: "not a cursor this service gave")])
            }
            after = bytes
        }
    }

    /// The page of `items` (already in key order) after the cursor.
    func page<Item>(_ items: [Item], key: (Item) -> String) -> (items: [Item], next: String?) {
        var start = 0
        if let after {
            // Binary search: the first item whose key sorts after the cursor.
            var low = 0, high = items.count
            while low < high {
                let mid = (low + high) / 2
                if key(items[mid]) <= after { low = mid + 1 } else { high = mid }
            }
            start = low
        }
        let end = min(items.count, start + limit)
        let slice = Array(items[start..<end])
        let next = end < items.count ? slice.last.map { Base64URLCursor.encode(key($0)) } : nil
        return (slice, next)
    }
}

/// Cursors are the last key, base64url so that they survive a query string.
enum Base64URLCursor {
    static func encode(_ key: String) -> String {
        Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> String? {
        guard text.count <= 512 else { return nil }
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        guard let data = Data(base64Encoded: base) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
