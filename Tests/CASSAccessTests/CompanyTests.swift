import CASSAccess
import CASSDomain
import XCTest

final class CompanyTests: XCTestCase {
    func test_companyNames_parseOnlyTheirExactSpelling() {
        XCTAssertEqual(CompanyID("cass"), .cass)
        XCTAssertEqual(CompanyID("airline-125"), .airline(prefix: "125"))
        XCTAssertEqual(CompanyID("agent-GB-91200040002"), .agent(country: "GB", code: "91200040002"))
        XCTAssertEqual(CompanyID("agent-group-9120004"), .agentGroup(iata: "9120004"))
        for bad in ["CASS", "airline-12", "airline-1255", "airline-12a", "agent-gb-91200040002", "agent-GB-9120004000",
                    "agent-GB-912000400021", "agent-GB_91200040002", "agent-group-912000", "agent-group-91200041", " cass", "airline-125 ", ""] {
            XCTAssertNil(CompanyID(bad), bad)
        }
        for text in ["cass", "airline-057", "agent-JP-43300120000", "agent-group-4330012"] {
            XCTAssertEqual(CompanyID(text)?.description, text)
        }
    }

    func test_companiesDerivedFromReferenceData() {
        let directory = AccessFixtures.directory
        let ids = Set(directory.all.map(\.id.description))
        XCTAssertEqual(ids, [
            "cass", "airline-057", "airline-125",
            "agent-GB-\(AgentCodeText.format(AccessFixtures.headOffice))",
            "agent-JP-\(AgentCodeText.format(AccessFixtures.headOffice))",
            "agent-FR-\(AgentCodeText.format(AccessFixtures.branchFR))",
            "agent-GB-\(AgentCodeText.format(AccessFixtures.otherForwarder))",
            "agent-JP-\(AgentCodeText.format(AccessFixtures.japanese))",
            "agent-group-1234567", "agent-group-7654321", "agent-group-5555555",
        ])
        XCTAssertEqual(directory.company(.cass)?.countries, ["FR", "GB", "JP"])
        XCTAssertEqual(directory.company(AccessFixtures.airline125)?.countries, ["FR", "GB"])
        XCTAssertEqual(directory.company(AccessFixtures.airline125)?.name, "British Airways")
        XCTAssertEqual(directory.operationCountries, ["GB", "FR", "JP"])
    }

    func test_agentInTwoOperations_isTwoCompanies() {
        let directory = AccessFixtures.directory
        XCTAssertNotNil(directory.company(AccessFixtures.agentGB))
        XCTAssertNotNil(directory.company(AccessFixtures.agentJP))
        XCTAssertNotEqual(AccessFixtures.agentGB, AccessFixtures.agentJP)
        XCTAssertEqual(directory.company(AccessFixtures.agentJP)?.countries, ["JP"])
    }

    func test_agentGroup_gathersEveryCompanyWithTheSameIATACode_inAnyOperation() {
        let group = AccessFixtures.directory.company(AccessFixtures.group)
        XCTAssertEqual(Set(group?.members ?? []), [AccessFixtures.agentGB, AccessFixtures.agentJP, AccessFixtures.agentFR])
        XCTAssertEqual(group?.countries, ["FR", "GB", "JP"])
        XCTAssertEqual(group?.name, "Forwarder Head Office", "named after the head office (lowest code)")
    }

    /// Decision: a forwarder with one office still has its group.
    func test_agentGroupOfOne_isDerived() {
        let group = AccessFixtures.directory.company(.agentGroup(iata: "7654321"))
        XCTAssertEqual(group?.members, [AccessFixtures.otherAgent])
        XCTAssertNil(AccessFixtures.directory.company(.agentGroup(iata: "9999999")), "no agent, no group")
    }

    func test_companyLanguage_isTheAgentsWhenSupported() {
        XCTAssertEqual(AccessFixtures.directory.company(AccessFixtures.agentFR)?.language, "fr")
        XCTAssertEqual(AccessFixtures.directory.company(AccessFixtures.airline125)?.language, "en")
    }

    func test_roles_perCompanyKind() {
        XCTAssertEqual(Role.allowed(in: .operator), [.viewer, .admin])
        XCTAssertEqual(Role.allowed(in: .airline), [.viewer, .input, .admin])
        XCTAssertEqual(Role.allowed(in: .agent), [.viewer, .output, .admin])
        XCTAssertEqual(Role.allowed(in: .agentGroup), [.viewer, .output, .admin])
    }

    func test_operations_starOrKnownCountries() {
        XCTAssertEqual(OperationScope(list: ["*"]), .all)
        XCTAssertEqual(OperationScope(list: ["GB", "FR", "GB"]), .only(["FR", "GB"]))
        XCTAssertNil(OperationScope(list: []))
        XCTAssertNil(OperationScope(list: ["*", "GB"]))
        XCTAssertTrue(OperationScope.all.covers(.only(["GB"])))
        XCTAssertFalse(OperationScope.only(["GB"]).covers(.all))
        XCTAssertTrue(OperationScope.only(["GB", "FR"]).covers(.only(["FR"])))
        XCTAssertFalse(OperationScope.only(["GB"]).covers(.only(["GB", "FR"])))
    }
}
