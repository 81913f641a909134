import CASSAccess
import XCTest

/// Targeted cases beyond the table: groups acting for their members,
/// regional users, disputes seen by both parties.
final class AuthorizationRuleTests: XCTestCase {
    let groupOutput = Principal(username: "g", company: AccessFixtures.group, role: .output)
    let groupRegional = Principal(username: "r", company: AccessFixtures.group, role: .output, operations: .only(["FR"]))

    func test_agentGroupUser_actsForEveryMember_inEveryOperation() {
        for member in [AccessFixtures.agentGB, AccessFixtures.agentJP, AccessFixtures.agentFR] {
            XCTAssertEqual(authorize(groupOutput, .readInvoice, .invoice(agent: member)), .allow, member.description)
            XCTAssertEqual(authorize(groupOutput, .downloadInvoiceDocument, .invoice(agent: member)), .allow)
            XCTAssertEqual(authorize(groupOutput, .recordPayment, .invoice(agent: member)), .allow)
            XCTAssertEqual(authorize(groupOutput, .raiseDispute, .invoice(agent: member)), .allow)
        }
        XCTAssertEqual(authorize(groupOutput, .readInvoice, .invoice(agent: AccessFixtures.otherAgent)), .notFound)
    }

    func test_memberCompanyUser_doesNotActForItsGroupOrSiblings() {
        let branch = Principal(username: "b", company: AccessFixtures.agentFR, role: .admin)
        XCTAssertEqual(authorize(branch, .readInvoice, .invoice(agent: AccessFixtures.agentGB)), .notFound)
        XCTAssertEqual(authorize(branch, .readSettings, .company(AccessFixtures.group)), .notFound)
        XCTAssertEqual(authorize(branch, .readUser, .user(username: "head", company: AccessFixtures.group)), .notFound)
        XCTAssertEqual(authorize(branch, .createUser, .company(AccessFixtures.group)), .forbidden)
    }

    func test_groupAdmin_managesUsersAndSettingsOfItsMembers() {
        let admin = Principal(username: "a", company: AccessFixtures.group, role: .admin)
        XCTAssertEqual(authorize(admin, .createUser, .company(AccessFixtures.agentFR)), .allow)
        XCTAssertEqual(authorize(admin, .manageSettings, .company(AccessFixtures.agentJP)), .allow)
        XCTAssertEqual(authorize(admin, .updateUser, .user(username: "x", company: AccessFixtures.agentGB)), .allow)
        XCTAssertEqual(authorize(admin, .createUser, .company(AccessFixtures.otherAgent)), .forbidden)
        XCTAssertEqual(authorize(admin, .updateUser, .user(username: "x", company: AccessFixtures.otherAgent)), .notFound)
    }

    func test_regionalUser_seesOnlyItsOperations_restAnswers404() {
        XCTAssertEqual(authorize(groupRegional, .readInvoice, .invoice(agent: AccessFixtures.agentFR)), .allow)
        XCTAssertEqual(authorize(groupRegional, .readInvoice, .invoice(agent: AccessFixtures.agentGB)), .notFound)
        XCTAssertEqual(authorize(groupRegional, .recordPayment, .invoice(agent: AccessFixtures.agentJP)), .notFound)
        XCTAssertEqual(authorize(groupRegional, .readOperations, .operation(country: "GB")), .notFound)
        XCTAssertEqual(authorize(groupRegional, .readOperations, .operation(country: "FR")), .allow)
        let airlineRegional = Principal(username: "a", company: AccessFixtures.airline125, role: .input, operations: .only(["GB"]))
        XCTAssertEqual(authorize(airlineRegional, .withdrawFile, .billingFile(airline: AccessFixtures.airline125, country: "GB")), .allow)
        XCTAssertEqual(authorize(airlineRegional, .withdrawFile, .billingFile(airline: AccessFixtures.airline125, country: "FR")), .notFound)
        XCTAssertEqual(authorize(airlineRegional, .uploadFile, .billingFile(airline: AccessFixtures.airline125, country: "FR")), .forbidden)
        let cassRegional = Principal(username: "c", company: .cass, role: .admin, operations: .only(["JP"]))
        XCTAssertEqual(authorize(cassRegional, .closePeriod, .operation(country: "GB")), .notFound)
        XCTAssertEqual(authorize(cassRegional, .closePeriod, .operation(country: "JP")), .allow)
    }

    func test_upload_ofAnotherAirlinesFile_is403() {
        let input = Principal(username: "i", company: AccessFixtures.airline125, role: .input)
        XCTAssertEqual(authorize(input, .uploadFile, .billingFile(airline: AccessFixtures.airline057, country: "GB")), .forbidden)
        XCTAssertEqual(authorize(input, .uploadFile, .billingFile(airline: AccessFixtures.airline125, country: "GB")), .allow)
    }

    func test_dispute_bothPartiesSeeIt_eachAnswersItsOwnStep() {
        let airline = Principal(username: "a", company: AccessFixtures.airline125, role: .input)
        let agent = Principal(username: "g", company: AccessFixtures.agentGB, role: .output)
        let root = Principal(username: "r", company: .cass, role: .admin)
        let open = Resource.dispute(agent: AccessFixtures.agentGB, airline: AccessFixtures.airline125, escalated: false)
        let escalated = Resource.dispute(agent: AccessFixtures.agentGB, airline: AccessFixtures.airline125, escalated: true)
        XCTAssertEqual(authorize(airline, .readDispute, open), .allow)
        XCTAssertEqual(authorize(agent, .readDispute, open), .allow)
        XCTAssertEqual(authorize(airline, .answerDispute, open), .allow)
        XCTAssertEqual(authorize(agent, .answerDispute, open), .forbidden)
        XCTAssertEqual(authorize(root, .answerDispute, open), .forbidden)
        XCTAssertEqual(authorize(airline, .answerDispute, escalated), .forbidden)
        XCTAssertEqual(authorize(root, .answerDispute, escalated), .allow)
        XCTAssertEqual(authorize(agent, .withdrawDispute, open), .allow)
        XCTAssertEqual(authorize(airline, .withdrawDispute, open), .forbidden)
        // An airline that is not the AWB's: another company's dispute.
        let other = Principal(username: "o", company: AccessFixtures.airline057, role: .admin)
        XCTAssertEqual(authorize(other, .readDispute, open), .notFound)
        XCTAssertEqual(authorize(other, .answerDispute, open), .notFound)
    }

    func test_airline_neverSeesAnInvoice_andRiskIs403() {
        let admin = Principal(username: "a", company: AccessFixtures.airline125, role: .admin)
        XCTAssertEqual(authorize(admin, .readInvoice, .invoice(agent: AccessFixtures.agentGB)), .notFound)
        XCTAssertEqual(authorize(admin, .readRisk, .collection), .forbidden)
        XCTAssertEqual(authorize(admin, .readRisk, .risk(agent: AccessFixtures.agentGB)), .forbidden)
    }

    func test_auditAndReference_onlyTheCassAdmin() {
        for principal in [Principal(username: "a", company: AccessFixtures.airline125, role: .admin),
                          Principal(username: "v", company: .cass, role: .viewer),
                          Principal(username: "g", company: AccessFixtures.group, role: .admin)] {
            XCTAssertEqual(authorize(principal, .readAudit, .collection), .forbidden)
            XCTAssertEqual(authorize(principal, .manageReference, .collection), .forbidden)
        }
        XCTAssertEqual(authorize(Principal(username: "r", company: .cass, role: .admin), .readAudit, .collection), .allow)
    }

    func test_actionOnAnObjectItDoesNotApplyTo_isRefusedLikeAMissingOne() {
        let root = Principal(username: "r", company: .cass, role: .admin)
        XCTAssertEqual(authorize(root, .closePeriod, .invoice(agent: AccessFixtures.agentGB)), .notFound)
        XCTAssertEqual(authorize(root, .readAudit, .operation(country: "GB")), .notFound)
        // Malformed descriptions: an invoice of a non-agent company.
        XCTAssertEqual(authorize(root, .readInvoice, .invoice(agent: AccessFixtures.airline125)), .notFound)
        XCTAssertEqual(authorize(root, .readFile, .billingFile(airline: AccessFixtures.agentGB, country: "GB")), .notFound)
    }
}
