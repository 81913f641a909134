import Foundation
import XCTest

/// What a browser does that the tests need: a cookie jar, the Origin
/// header on POSTs, forms sent urlencoded or multipart, and the hidden
/// `csrf` field read back from the last page.
final class BrowserClient {
    let port: UInt16
    var cookies: [String: String] = [:]
    var acceptLanguage: String?
    var origin: String?
    var lastPage = ""

    init(port: UInt16) {
        self.port = port
        origin = "http://127.0.0.1:\(port)"
    }

    var api: APIClient { APIClient(port: port) }

    @discardableResult
    func get(_ path: String, headers: [(String, String)] = []) throws -> APIClient.Answer {
        try send("GET", path, headers: headers)
    }

    /// A urlencoded form; `csrf` is the last page's unless given.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil, headers: [(String, String)] = []) throws -> APIClient.Answer {
        var all = fields
        if !all.contains(where: { $0.0 == "csrf" }), let token = csrf ?? csrfToken { all.append(("csrf", token)) }
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try send("POST", path, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded", headers: headers)
    }

    /// A multipart form with one file part named `file`.
    @discardableResult
    func upload(_ path: String, filename: String, content: [UInt8], fields: [(String, String)] = []) throws -> APIClient.Answer {
        let boundary = "----BrowserClientBoundary\(UInt32.random(in: 0...UInt32.max))"
        var all = fields
        if !all.contains(where: { $0.0 == "csrf" }), let token = csrfToken { all.append(("csrf", token)) }
        var body: [UInt8] = []
        for (name, value) in all {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += content
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try send("POST", path, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func send(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil, headers: [(String, String)] = []) throws -> APIClient.Answer {
        var extra = headers
        if !cookies.isEmpty { extra.append(("Cookie", cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
        if let acceptLanguage { extra.append(("Accept-Language", acceptLanguage)) }
        if method != "GET", let origin, !extra.contains(where: { $0.0 == "Origin" }) { extra.append(("Origin", origin)) }
        let answer = try api.request(method, path, body: body, contentType: contentType, headers: extra)
        for (name, value) in answer.headers where name.lowercased() == "set-cookie" {
            let pair = value.split(separator: ";").first.map(String.init) ?? ""
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let cookieName = String(pair[..<equals])
            let cookieValue = String(pair[pair.index(after: equals)...])
            if value.contains("Max-Age=0") || cookieValue.isEmpty { cookies[cookieName] = nil } else { cookies[cookieName] = cookieValue }
        }
        if answer.header("Content-Type")?.hasPrefix("text/html") == true { lastPage = answer.text }
        return answer
    }

    /// The `csrf` hidden field of the last page.
    var csrfToken: String? { Self.hidden("csrf", in: lastPage) }

    static func hidden(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Signs in through the form; returns the answer of the POST.
    @discardableResult
    func signIn(_ username: String, _ password: String, next: String? = nil) throws -> APIClient.Answer {
        try get("/login")
        var fields = [("username", username), ("password", password)]
        if let next { fields.append(("next", next)) }
        return try post("/login", fields)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}
