import CASSAccess
import CASSDomain
import CASSSamples

/// A small installation: GB, FR and JP; airlines 125 (GB, FR) and 057
/// (GB); forwarder 1234567 with a GB head office and a FR branch, and two
/// single-office forwarders.
enum AccessFixtures {
    static func agentCode(_ tenDigits: Int) -> Int64 { Int64(CheckDigit.agentCode(from: tenDigits)) }

    static let headOffice = agentCode(1_234_567_000)
    static let branchFR = agentCode(1_234_567_001)
    static let otherForwarder = agentCode(7_654_321_000)
    static let japanese = agentCode(5_555_555_000)

    static let reference: ReferenceData = {
        func operation(_ country: String, _ currency: String) -> Operation {
            Operation(country: country, currency: currency, minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30,
                      language: "en", entityName: "IATA CASS \(country)", entityTaxID: "\(country)1")
        }
        func agent(_ country: String, _ code: Int64, _ name: String, _ language: String = "en") -> Agent {
            Agent(country: country, code: code, name: name, taxID: "T", address: "A", language: language, status: .active, guaranteeMinor: 1_000_000)
        }
        return ReferenceData(
            operations: [operation("GB", "GBP"), operation("FR", "EUR"), operation("JP", "JPY")],
            airlines: [Airline(prefix: 125, name: "British Airways", taxID: "GB1", operations: ["GB", "FR"]),
                       Airline(prefix: 57, name: "Air France", taxID: "FR1", operations: ["GB"])],
            agents: [agent("GB", headOffice, "Forwarder Head Office"), agent("FR", branchFR, "Transitaire Paris", "fr"),
                     agent("GB", otherForwarder, "Other Forwarder"), agent("JP", japanese, "日本の代理店", "ja"),
                     // The same office registered in a second operation.
                     agent("JP", headOffice, "Forwarder Head Office Japan")])
    }()

    static let directory = CompanyDirectory(reference: reference)

    static let airline125 = CompanyID.airline(prefix: "125")
    static let airline057 = CompanyID.airline(prefix: "057")
    static let agentGB = CompanyID.agent(country: "GB", code: AgentCodeText.format(headOffice))
    static let agentJP = CompanyID.agent(country: "JP", code: AgentCodeText.format(headOffice))
    static let agentFR = CompanyID.agent(country: "FR", code: AgentCodeText.format(branchFR))
    static let otherAgent = CompanyID.agent(country: "GB", code: AgentCodeText.format(otherForwarder))
    static let group = CompanyID.agentGroup(iata: "1234567")

    static let t0 = Instant(rfc3339: "2026-11-02T09:00:00.000Z")!
    static func context(_ now: Instant = t0, from: String = "192.0.2.7") -> RequestContext { RequestContext(now: now, from: from) }
}

/// Deterministic bytes (SplitMix64), so a test can be replayed.
struct SeededRandom: RandomSource {
    var generator: SplitMix64

    init(seed: UInt64 = 42) { generator = SplitMix64(seed: seed) }

    mutating func bytes(_ count: Int) throws(AccessError) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let z = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) where out.count < count { out.append(UInt8(truncatingIfNeeded: z >> UInt64(shift))) }
        }
        return out
    }
}

/// The real PBKDF2 with few iterations (a debug build would take seconds
/// for 600,000), noting every hash a verification checked.
final class RecordingHasher: PasswordHashing, @unchecked Sendable {
    let inner = PBKDF2Passwords(iterations: 200)
    private(set) var verified: [PasswordHash] = []

    var iterations: Int { inner.iterations }

    func hash(_ password: String, salt: [UInt8]) -> PasswordHash { inner.hash(password, salt: salt) }

    func verify(_ password: String, against stored: PasswordHash) -> Bool {
        verified.append(stored)
        return inner.verify(password, against: stored)
    }
}

/// A state with users made through the commands, records applied as the
/// service would once written.
struct World {
    var state = AccessState()
    var random = SeededRandom()
    let hasher = RecordingHasher()
    var now = AccessFixtures.t0
    static let password = "correct horse battery"

    var root: Principal { Principal(username: "root", company: .cass, role: .admin) }

    init(bootstrap: Bool = true) {
        if bootstrap {
            let change = try! state.bootstrap(admin: "root", password: World.password, hasher: hasher, random: &random, context: AccessFixtures.context(now))
            apply(change.records)
        }
    }

    mutating func apply(_ records: [AccessRecord]) {
        for record in records { state.apply(record) }
    }

    @discardableResult
    mutating func create(_ username: String, _ company: CompanyID, _ role: Role, operations: [String]? = nil, by actor: Principal? = nil) throws(AccessError) -> UserView {
        let request = NewUser(username: username, company: company.description, role: role.rawValue, name: username.capitalized,
                              email: "\(username)@example.com", operations: operations, password: World.password)
        let change = try state.createUser(request, by: actor ?? root, directory: AccessFixtures.directory, hasher: hasher, random: &random,
                                          context: AccessFixtures.context(now))
        apply(change.records)
        return change.user!
    }

    func principal(_ username: String) -> Principal { state.user(username)!.principal }

    mutating func patch(_ username: String, _ patch: UserPatch, by actor: Principal) throws(AccessError) -> AccessChange {
        let change = try state.updateUser(username, patch, by: actor, directory: AccessFixtures.directory, hasher: hasher, random: &random,
                                          context: AccessFixtures.context(now))
        apply(change.records)
        return change
    }

    mutating func login(_ username: String, _ password: String = World.password, at: Instant? = nil) throws(AccessError) -> LoginResult {
        let result = try state.login(LoginRequest(username: username, password: password), hasher: hasher, random: &random,
                                     context: AccessFixtures.context(at ?? now))
        apply(result.records)
        return result
    }
}
