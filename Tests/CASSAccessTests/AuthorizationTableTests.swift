@testable import CASSAccess
import Foundation
import XCTest

/// Every action × company kind × role × own / other company / outside the
/// caller's operations, against the answers the spec gives, written out
/// here by hand (not derived from the code under test).
///
/// Columns: cass viewer, cass admin | airline viewer, input, admin |
/// agent viewer, output, admin | agent group viewer, output, admin.
/// A allow, F 403, N 404, - no such object for that caller.
final class AuthorizationTableTests: XCTestCase {
    static let expected: [String: (own: String, other: String, outside: String)] = [
        "readOperations": ("AA AAA AAA AAA", "-- --- --- ---", "NN NNN NNN NNN"),
        "closePeriod": ("FA FFF FFF FFF", "-- --- --- ---", "NN NNN NNN NNN"),
        "readFile": ("AA AAA --- ---", "-- NNN NNN NNN", "NN NNN --- ---"),
        "uploadFile (before the body is read)": ("FA FAA FFF FFF", "-- --- --- ---", "FA FAA FFF FFF"),
        // Another airline's file is 403 (the spec: "not kept"), not 404.
        "uploadFile": ("FA FAA --- ---", "-- FFF FFF FFF", "FF FFF --- ---"),
        "validateFile": ("FA FAA --- ---", "-- FFF FFF FFF", "FF FFF --- ---"),
        "withdrawFile": ("FA FAA --- ---", "-- NNN NNN NNN", "NN NNN --- ---"),
        "downloadFileContent": ("FA FAA --- ---", "-- NNN NNN NNN", "NN NNN --- ---"),
        "readSettlement": ("AA AAA --- ---", "-- NNN NNN NNN", "NN NNN --- ---"),
        "readReports (rows filtered by scope)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        "readInvoice": ("AA --- AAA AAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        "downloadInvoiceDocument": ("FA --- FAA FAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        "readDispute": ("AA AAA AAA AAA", "-- NNN NNN NNN", "NN NNN NNN NNN"),
        "raiseDispute (on the invoice)": ("FF --- FAA FAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        "answerDispute (open)": ("FF FAA FFF FFF", "-- NNN NNN NNN", "NN NNN NNN NNN"),
        "answerDispute (escalated)": ("FA FFF FFF FFF", "-- NNN NNN NNN", "NN NNN NNN NNN"),
        "withdrawDispute": ("FF FFF FAA FAA", "-- NNN NNN NNN", "NN NNN NNN NNN"),
        "recordPayment (on the invoice)": ("FA --- FAA FAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        "readWallet": ("AA --- AAA AAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        "topUpWallet": ("FA --- FAA FAA", "-- NNN NNN NNN", "NN --- NNN NNN"),
        // Risk: 403 for airlines whatever the object.
        "readRisk (list)": ("AA FFF AAA AAA", "-- --- --- ---", "AA FFF AAA AAA"),
        "readRisk": ("AA --- AAA AAA", "-- FFF NNN NNN", "NN --- NNN NNN"),
        "readStatistics (figures filtered by scope)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        "readEvents (events filtered by scope)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        // A company's own objects are bound to an operation only for an
        // agent company (which lives in one).
        "readSettings": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "manageSettings": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "listUsers": ("FA FFA FFA FFA", "-- --- --- ---", "FA FFA FFA FFA"),
        "readUser (self)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        "readUser (colleague)": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "createUser (before the company is read)": ("FA FFA FFA FFA", "-- --- --- ---", "FA FFA FFA FFA"),
        // Another company: 403, as the spec says.
        "createUser (in that company)": ("FA FFA FFA FFA", "-- FFF FFF FFF", "FA FFA FFF FFA"),
        "updateUser (self)": ("FA FFA FFA FFA", "-- --- --- ---", "FA FFA FFA FFA"),
        "updateUser (colleague)": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "updateOwnProfile (self)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        "updateOwnProfile (colleague)": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "deleteUser (colleague)": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "putSSHKeys (self)": ("AA AAA AAA AAA", "-- --- --- ---", "AA AAA AAA AAA"),
        "putSSHKeys (colleague)": ("FA FFA FFA FFA", "-- NNN NNN NNN", "FA FFA NNN FFA"),
        "readAudit": ("FA FFF FFF FFF", "-- --- --- ---", "FA FFF FFF FFF"),
        "manageReference": ("FA FFF FFF FFF", "-- --- --- ---", "FA FFF FFF FFF"),
    ]

    private func letter(_ decision: Decision?) -> Character {
        switch decision {
        case .allow?: return "A"
        case .forbidden?: return "F"
        case .notFound?: return "N"
        case nil: return "-"
        }
    }

    func test_everyActionRoleCompanyAndRelation_answersAsTheSpecSays() {
        let columns = AuthorizationTable.columns
        XCTAssertEqual(columns.map(\.label), ["cass viewer", "cass admin", "airline viewer", "airline input", "airline admin",
                                              "agent viewer", "agent output", "agent admin",
                                              "agent group viewer", "agent group output", "agent group admin"])
        var cells = 0
        for row in AuthorizationTable.rows {
            guard let expected = Self.expected[row.label] else {
                XCTFail("no expectation for \(row.label)")
                continue
            }
            for (relation, text) in [(AuthorizationTable.Relation.own, expected.own), (.other, expected.other), (.outside, expected.outside)] {
                let letters = Array(text.replacingOccurrences(of: " ", with: ""))
                XCTAssertEqual(letters.count, columns.count, row.label)
                for (index, column) in columns.enumerated() where index < letters.count {
                    let got = letter(AuthorizationTable.answer(row, column, relation))
                    XCTAssertEqual(got, letters[index], "\(row.label), \(column.label), \(relation.rawValue)")
                    cells += 1
                }
            }
        }
        XCTAssertEqual(Set(AuthorizationTable.rows.map(\.label)), Set(Self.expected.keys))
        XCTAssertEqual(cells, Self.expected.count * 3 * 11)
    }

    func test_everyActionIsInTheTable() {
        XCTAssertEqual(Set(AuthorizationTable.rows.map(\.action)), Set(Action.allCases))
    }

    /// A role the company's kind may not give (only a hand-made record
    /// could carry one) grants exactly what `viewer` grants there.
    func test_roleInvalidForItsCompany_grantsNoMoreThanViewer() {
        let invalid: [(CompanyKind, Role)] = [(.operator, .input), (.operator, .output), (.airline, .output), (.agent, .input), (.agentGroup, .input)]
        for (kind, role) in invalid {
            for row in AuthorizationTable.rows {
                for relation in AuthorizationTable.Relation.allCases {
                    let odd = AuthorizationTable.Column(kind: kind, role: role)
                    let viewer = AuthorizationTable.Column(kind: kind, role: .viewer)
                    XCTAssertEqual(AuthorizationTable.answer(row, odd, relation), AuthorizationTable.answer(row, viewer, relation),
                                   "\(kind) \(role) \(row.label) \(relation)")
                }
            }
        }
    }

    /// docs/access.md carries the generated table between its markers.
    func test_docsAccessTable_matchesTheCode() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: repo.appendingPathComponent("docs/access.md"), encoding: .utf8)
        let begin = "<!-- authorization table: generated by AuthorizationTable.markdown() -->\n"
        let end = "<!-- end of authorization table -->"
        guard let start = doc.range(of: begin), let stop = doc.range(of: end, range: start.upperBound..<doc.endIndex) else {
            return XCTFail("docs/access.md lacks the table markers")
        }
        let table = String(doc[start.upperBound..<stop.lowerBound])
        if table != AuthorizationTable.markdown() {
            XCTFail("docs/access.md's authorization table differs from the code; replace it with:\n\(AuthorizationTable.markdown())")
        }
    }
}
