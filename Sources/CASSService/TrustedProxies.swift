import Foundation

/// `cass serve --trusted-proxy LIST`: the reverse proxies whose
/// `X-Forwarded-For` tells the client's address. Behind the compose file's
/// TLS proxy every request comes from the proxy, so without this the audit
/// trail and the login-failure records would name the proxy for everyone.
/// The header is believed only from a peer in the list, and read from the
/// right: the nearest address not itself a trusted proxy is the client (a
/// client can write anything to the left of what its proxy appended, never
/// to the right). Nothing is decided by the address: login lockout counts
/// per user name; the address is a record for people.
public struct TrustedProxies: Sendable, Equatable {
    /// One network: address bytes (4 or 16) and prefix length.
    struct Network: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for index in bytes.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    /// At most this many networks (a list, not a routing table).
    public static let networksMax = 64
    /// At most this many X-Forwarded-For elements are looked at, from the right.
    public static let hopsMax = 16

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) { self.networks = networks }

    public var isEmpty: Bool { networks.isEmpty }

    /// `10.0.0.0/8,172.16.0.0/12,::1`: addresses or networks (CIDR),
    /// IPv4 or IPv6, separated by commas.
    public init(parsing text: String) throws(ServiceError) {
        var networks: [Network] = []
        for element in text.split(separator: ",") {
            let item = element.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.address(String(parts[0])) else {
                throw ServiceError("--trusted-proxy: '\(item)' is not an IPv4 or IPv6 address or network (CIDR)")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bytes.count * 8).contains(length) else {
                    throw ServiceError("--trusted-proxy: '\(item)' has a prefix length outside 0-\(bytes.count * 8)")
                }
                prefix = length
            }
            networks.append(Network(bytes: bytes, prefix: prefix))
        }
        guard !networks.isEmpty else { throw ServiceError("--trusted-proxy: give at least one address or network") }
        guard networks.count <= Self.networksMax else { throw ServiceError("--trusted-proxy: at most \(Self.networksMax) networks") }
        self.networks = networks
    }

    func trusts(_ address: [UInt8]) -> Bool { networks.contains { $0.contains(address) } }

    /// The client's address of a request: `peer` (the socket's, `host:port`
    /// or `[v6]:port`) unless it is a trusted proxy, then the nearest
    /// untrusted element of `forwardedFor` (its elements in order, as the
    /// headers list them). An element that is not an address stops the
    /// walk at the last address believed.
    public func client(peer: String, forwardedFor: [String]) -> String {
        guard !networks.isEmpty, let peerBytes = Self.address(Self.host(of: peer)), trusts(peerBytes) else { return peer }
        var believed = peer
        for element in forwardedFor.reversed().prefix(Self.hopsMax) {
            let text = element.trimmingCharacters(in: .whitespaces)
            guard let bytes = Self.address(Self.host(of: text)) else { return believed }
            believed = Self.host(of: text)
            if !trusts(bytes) { return believed }
        }
        return believed
    }

    /// The address part of `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func host(of text: String) -> String {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        // One colon: IPv4 with a port. More: a bare IPv6 address.
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return text
    }

    /// The 4 or 16 bytes of a numeric address (inet_pton: no names, no
    /// zone ids), nil otherwise.
    static func address(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
