/// What a handler is: called on the connection's thread with the request
/// (head read, body not yet), returns the answer. It may block (waiting
/// for a durable write, reading a large body); it may throw `HTTPError`
/// for an error answer, or anything else for a 500.
public typealias Handler = @Sendable (Request) throws -> Response

/// Routes by method and path pattern. Patterns are absolute paths whose
/// segments are literals, `{name}` (one decoded segment) or, last only,
/// `{name...}` (the rest of the path, at least one segment, joined by `/`).
/// When several patterns match, the most specific wins: at the first
/// segment where they differ, a literal beats `{name}`, which beats `{name...}`.
public struct Router: Sendable {
    public struct Route: Sendable {
        public let method: HTTPMethod
        public let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)

        var rank: Int {
            switch self {
            case .literal: 0
            case .parameter: 1
            case .rest: 2
            }
        }
    }

    public enum Match: Sendable {
        /// `route` is the matched route's pattern (`/api/v1/invoices/{number}`):
        /// what metrics label a request by, a bounded set unlike paths.
        case found(Handler, parameters: [String: String], route: String)
        case notFound
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    public private(set) var routes: [Route] = []

    public init() {}

    /// Adds a route. A malformed pattern is a programming error caught at
    /// start-up (it traps), never something a request can cause.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        let segments = Router.compile(pattern)
        precondition(!routes.contains { $0.method == method && $0.segments == segments }, "route \(method) \(pattern) added twice")
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add(.GET, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { add(.POST, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { add(.PUT, pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping Handler) { add(.PATCH, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add(.DELETE, pattern, handler) }

    static func compile(_ pattern: String) -> [Segment] {
        precondition(pattern.hasPrefix("/"), "route pattern \(pattern) must start with /")
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var names = Set<String>()
        return parts.enumerated().map { index, part in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                var name = String(part.dropFirst().dropLast())
                let isRest = name.hasSuffix("...")
                if isRest {
                    name = String(name.dropLast(3))
                    precondition(index == parts.count - 1, "\(pattern): {\(name)...} must be the last segment")
                }
                precondition(ByteClass.isToken(name) && names.insert(name).inserted, "\(pattern): bad or repeated parameter name \(name)")
                return isRest ? .rest(name) : .parameter(name)
            }
            precondition(!part.contains("{") && !part.contains("}"), "\(pattern): braces must enclose a whole segment")
            return .literal(part)
        }
    }

    /// The handler for a method and decoded path segments. The most
    /// specific pattern that matches the path owns it under every method:
    /// `/files/validate` (POST) is not also a file id of `/files/{id}`, so
    /// GET there is 405 with `Allow: POST`, and the Allow header names
    /// exactly the methods the path's own routes (and API document) have.
    /// HEAD is served by the GET route when there is no HEAD route of its
    /// own (the server then sends no body). A path matched only under other
    /// methods gives 405 with those methods.
    public func match(_ method: HTTPMethod, _ pathSegments: [String]) -> Match {
        var owned: [(route: Route, parameters: [String: String])] = []
        var owner: [Int]?
        for route in routes {
            guard let parameters = Router.bind(route.segments, pathSegments) else { continue }
            let ranks = route.segments.map(\.rank)
            if let current = owner {
                if ranks.lexicographicallyPrecedes(current) {
                    owner = ranks
                    owned = [(route, parameters)]
                } else if ranks == current {
                    owned.append((route, parameters))
                }
            } else {
                owner = ranks
                owned = [(route, parameters)]
            }
        }
        if let exact = owned.first(where: { $0.route.method == method }) { return .found(exact.route.handler, parameters: exact.parameters, route: exact.route.pattern) }
        if method == .HEAD, let get = owned.first(where: { $0.route.method == .GET }) { return .found(get.route.handler, parameters: get.parameters, route: get.route.pattern) }
        var allowed: [HTTPMethod] = []
        for candidate in owned where !allowed.contains(candidate.route.method) { allowed.append(candidate.route.method) }
        guard !allowed.isEmpty else { return .notFound }
        if allowed.contains(.GET), !allowed.contains(.HEAD) { allowed.append(.HEAD) }
        return .methodNotAllowed(allowed: allowed)
    }

    static func bind(_ pattern: [Segment], _ path: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in pattern.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < path.count, path[index] == text else { return nil }
            case .parameter(let name):
                guard index < path.count, !path[index].isEmpty else { return nil }
                parameters[name] = path[index]
            case .rest(let name):
                guard index < path.count, path[index...].allSatisfy({ !$0.isEmpty }) else { return nil }
                parameters[name] = path[index...].joined(separator: "/")
                return parameters
            }
        }
        return pattern.count == path.count ? parameters : nil
    }
}
