import CASSDomain
import CASSNotify
import Foundation
import XCTest

/// recipients.json: parsing, checking and who receives what.
final class RecipientsTests: XCTestCase {
    private static var sampleURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/notifications/recipients.json")
    }

    func test_sampleConfiguration_loads_webhooksOnLoopbackOnly_outboxResolvedNextToFile() throws {
        let config = try RecipientsConfiguration.load(path: Self.sampleURL.path)
        XCTAssertEqual(config.outbox, Self.sampleURL.deletingLastPathComponent().appendingPathComponent("outbox").path)
        XCTAssertNil(config.smtp)
        XCTAssertGreaterThanOrEqual(config.recipients.count, 5)
        for recipient in config.recipients {
            if let hook = recipient.channels.webhook {
                XCTAssertEqual(URL(string: hook.url)?.host, "127.0.0.1", recipient.id)
            }
        }
        XCTAssertEqual(Set(config.recipients.map(\.kind)), [.agent, .airline, .operator])
    }

    func test_invoice_goesToItsAgentOnly() throws {
        let config = try RecipientsConfiguration.load(path: Self.sampleURL.path)
        let event = NotificationEvent.invoiceIssued(.init(number: "GB-1", country: "GB", period: Fixtures.period, agentCode: "91200170003", totalMinor: 1, currency: "GBP", minorDigits: 2, dueDate: Fixtures.due))
        XCTAssertEqual(config.recipients(for: event).map(\.id), ["91200170003"])
    }

    func test_fileEvents_goToTheirAirline_andRejectionsAlsoToSubscribedOperator() throws {
        let config = try RecipientsConfiguration.load(path: Self.sampleURL.path)
        XCTAssertEqual(config.recipients(for: Fixtures.accepted).map(\.id), ["125"])
        XCTAssertEqual(config.recipients(for: Fixtures.rejected).map(\.id), ["125", "cass-gb-office"])
    }

    func test_periodClose_goesToEveryoneSubscribed_filteredByCountry() throws {
        let config = try RecipientsConfiguration.load(path: Self.sampleURL.path)
        XCTAssertEqual(config.recipients(for: Fixtures.closed).map(\.id), ["cass-gb-office", "settlement-monitor"])
        let japan = NotificationEvent.periodClosed(.init(country: "JP", period: Fixtures.period, invoices: 1, totalMinor: 1, currency: "JPY", minorDigits: 0))
        XCTAssertEqual(config.recipients(for: japan).map(\.id), ["settlement-monitor"])
    }

    func test_configurationErrors_sayWhatAndWhere() {
        func error(_ json: String) -> String {
            do {
                _ = try RecipientsConfiguration.parse(Data(json.utf8), source: "r.json")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(error(#"{"recipients":[{"kind":"agent","id":"123","language":"en","channels":{}}]}"#).contains("11-digit"))
        XCTAssertTrue(error(#"{"recipients":[{"kind":"airline","id":"125","language":"en","channels":{"email":{"address":"a@b.c"}}}]}"#).contains("neither \"smtp\" nor \"outbox\""))
        XCTAssertTrue(error(#"{"outbox":"o","recipients":[{"kind":"airline","id":"125","language":"en","channels":{"webhook":{"url":"ftp://x/y","secret":"s"}}}]}"#).contains("not an http(s) URL"))
        XCTAssertTrue(error(#"{"recipients":[{"kind":"airline","id":"125","language":"en","channels":{"webhook":{"url":"http://127.0.0.1/","secret":""}}}]}"#).contains("secret is empty"))
        XCTAssertTrue(error(#"{"recipients":[{"kind":"airline","id":"125","language":"en","channels":{}},{"kind":"airline","id":"125","language":"fr","channels":{}}]}"#).contains("listed twice"))
        XCTAssertTrue(error(#"{"recipients":[{"kind":"pilot","id":"1","language":"en","channels":{}}]}"#).contains("r.json"))
        XCTAssertTrue(error(#"{"retry":{"maxAttempts":0,"baseDelayMs":1,"factor":2,"maxDelayMs":5},"recipients":[]}"#).contains("maxAttempts"))
        XCTAssertTrue(error(#"{"recipients":[{"kind":"agent","language":"en","channels":{}}]}"#).contains("missing \"id\" at .recipients[0]"))
        XCTAssertTrue(error(#"{"from":"CASS <not an address>","recipients":[]}"#).contains("sender"))
        XCTAssertTrue(error(#"{"smtp":{"host":"127.0.0.1","port":0},"recipients":[]}"#).contains("port 1...65535"))
    }

    func test_eventJSON_hasSortedStableKeys_andRoundTrips() throws {
        let json = String(decoding: try Fixtures.invoice.jsonBytes(), as: UTF8.self)
        XCTAssertEqual(json, #"{"event":{"agentCode":"12345678903","country":"GB","currency":"GBP","dueDate":"2026-12-10","minorDigits":2,"number":"GB-2026110201-000042","period":20261102,"totalMinor":1234567},"type":"invoiceIssued"}"#)
        for event in Fixtures.all {
            XCTAssertEqual(try NotificationEvent.decode(json: event.jsonBytes()), event)
        }
    }

    func test_invoiceEvent_fromDomainInvoice_isDueOnRemittanceDate() throws {
        let invoice = Invoice(number: "GB-9", country: "GB", period: Fixtures.period, currency: "GBP", minorDigits: 2,
                              invoiceDate: Fixtures.due.adding(days: -10), remittanceDate: Fixtures.due, agentCode: 91_200_170_003,
                              sections: [], lineCount: 0, netDue: 0, taxCharged: 0, taxCredited: 0, total: -5)
        let event = NotificationEvent.InvoiceIssued(invoice: invoice)
        XCTAssertEqual(event.agentCode, "91200170003")
        XCTAssertEqual(event.dueDate, Fixtures.due)
        XCTAssertEqual(event.totalMinor, -5)
    }
}
