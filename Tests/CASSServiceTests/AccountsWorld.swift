import CASSAccounts
import CASSDomain
import CASSLog
@testable import CASSService
import Foundation
import XCTest

/// A service on a log that survives restarts, with the samples' reference
/// data, users of every kind and, until the pipeline's number stage writes
/// them, invoice facts written straight to the accounts topic.
///
/// GB: 4 periods a month, remittance 10 days after the invoice date,
/// disputes within 30 days. Period 20261101's invoices are dated
/// 2026-11-09 and due 2026-11-19.
final class AccountsWorld {
    static let password = "correct horse battery"
    static let agentA = "91200040002"   // guarantee 120,000.00
    static let agentB = "91200170003"   // guarantee 50,000.00
    static let agentC = "91200210010"   // guarantee 50,000.00
    static let companyA = "agent-GB-\(agentA)"
    static let companyB = "agent-GB-\(agentB)"
    static let companyC = "agent-GB-\(agentC)"
    static let invoiceDate = date("2026-11-09")
    static let remittanceDate = date("2026-11-19")

    /// Users: name, company, role.
    static let users: [(String, String, String)] = [
        ("cass.viewer", "cass", "viewer"),
        ("ba.viewer", "airline-125", "viewer"), ("ba.input", "airline-125", "input"), ("ba.admin", "airline-125", "admin"),
        ("qr.input", "airline-157", "input"),
        ("a.viewer", companyA, "viewer"), ("a.output", companyA, "output"), ("a.admin", companyA, "admin"),
        ("b.output", companyB, "output"), ("b.admin", companyB, "admin"),
        ("c.output", companyC, "output"), ("c.admin", companyC, "admin"),
        ("ga.output", "agent-group-9120004", "output"),
    ]

    let log: any Log
    private(set) var harness: ServiceHarness
    private var tokens: [String: String] = [:]
    private let configure: (inout ServiceOptions) -> Void

    init(today: String, log: any Log = InProcessLog(), configure: @escaping (inout ServiceOptions) -> Void = { _ in }) throws {
        self.log = log
        self.configure = configure
        harness = try ServiceHarness(log: log, today: Self.date(today), configure: configure)
        let root = try harness.login("root", ServiceHarness.adminPassword)
        for (name, company, role) in Self.users {
            let created = try root.post("/api/v1/users", json: [
                "username": name, "company": company, "role": role, "name": name, "email": "\(name)@example.com",
                "language": "en", "password": Self.password,
            ])
            guard created.status == 201 else { throw APIClient.Failure(description: "creating \(name): \(created)") }
        }
    }

    deinit { harness.stop() }

    /// Stops the service and starts another on the same log with a new today
    /// (sessions are dated by the shifted clock, so everyone logs in again).
    func restart(today: String) throws {
        harness.stop()
        harness = try ServiceHarness(log: log, admin: nil, today: Self.date(today), configure: configure)
        tokens = [:]
    }

    /// A client signed in as `name` (root: the cass admin).
    func client(_ name: String) throws -> APIClient {
        if let token = tokens[name] { return APIClient(port: harness.port, token: token) }
        let client = try harness.login(name, name == "root" ? ServiceHarness.adminPassword : Self.password)
        tokens[name] = client.token
        return client
    }

    var desk: AccountsDesk {
        get throws { try XCTUnwrap(harness.service.context?.accounts) }
    }

    /// Writes invoice facts as the number stage will.
    func issue(_ invoices: IssuedInvoice...) throws {
        try desk.writeSystemRecords(invoices.map { .invoiceIssued($0) })
    }

    /// The records on the accounts topic, by type.
    func accountsRecords() throws -> [AccountsRecord] {
        try log.readToEnd(TopicPartition(topic: ServiceTopics.accounts, partition: 0)).map {
            try AccountsRecordCoding.decode($0.value)
        }
    }

    func count(_ type: String) throws -> Int { try accountsRecords().filter { $0.type == type }.count }

    // MARK: - Values

    static func date(_ text: String) -> CivilDate {
        guard let date = CivilDate(iso: Substring(text)) else { preconditionFailure("not a date: \(text)") }
        return date
    }

    /// An AWB serial with its check digit (the seven digits modulo 7).
    static func serial(_ base: Int32) -> Int32 { base * 10 + base % 7 }

    static func awb(_ airline: Int32, _ base: Int32, _ amount: Int64) -> InvoiceAWB {
        InvoiceAWB(airline: airline, serial: serial(base), amountMinor: amount, issueDate: date("2026-11-03"), origin: "LHR", destination: "JFK")
    }

    static func invoice(_ number: String, agent: String, total: Int64, awbs: [InvoiceAWB], period: Int = 20261101,
                        invoiceDate: CivilDate = AccountsWorld.invoiceDate) -> IssuedInvoice {
        guard let billing = BillingPeriod(yyyymmnn: period), let code = Int64(agent) else { preconditionFailure("bad fixture") }
        return IssuedInvoice(number: number, country: "GB", period: billing, currency: "GBP", agent: code, invoiceDate: invoiceDate,
                             remittanceDate: invoiceDate.adding(days: 10), totalMinor: total, periodsPerMonth: 4, disputeDays: 30, awbs: awbs)
    }

    /// A's invoice: 100,000.00 on three AWBs (two of airline 125, one of 157).
    static let invoiceA = invoice("GB2026000001", agent: agentA, total: 10_000_000,
                                  awbs: [awb(125, 1_234_567, 6_000_000), awb(125, 3_333_333, 1_000_000), awb(157, 2_222_222, 3_000_000)])
    static let invoiceB = invoice("GB2026000002", agent: agentB, total: 800_000, awbs: [awb(125, 4_444_444, 800_000)])
    static let invoiceC = invoice("GB2026000003", agent: agentC, total: 400_000, awbs: [awb(176, 5_555_555, 400_000)])
    /// A credit invoice of A: nothing to pay.
    static let creditA = invoice("GB2026000004", agent: agentA, total: -50_000, awbs: [awb(176, 6_666_666, -50_000)])

    static let awbA125 = "125-\(serial(1_234_567))"
    static let awbA125b = "125-\(serial(3_333_333))"
    static let awbA157 = "157-\(serial(2_222_222))"
}

extension APIClient {
    func put(_ path: String, json: Any) throws -> Answer {
        try request("PUT", path, body: try JSONSerialization.data(withJSONObject: json).map { $0 }, contentType: "application/json")
    }

    func post(_ path: String, json: Any, headers: [(String, String)]) throws -> Answer {
        try request("POST", path, body: try JSONSerialization.data(withJSONObject: json).map { $0 }, contentType: "application/json", headers: headers)
    }
}

extension APIClient.Answer {
    func int(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
    func string(_ key: String) -> String? { json[key] as? String }
    var fieldErrors: [String] { ((json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } }
}
