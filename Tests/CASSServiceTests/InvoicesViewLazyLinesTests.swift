import CASSDomain
import CASSEngine
import CASSLog
@testable import CASSService
import CASSWorkers
import XCTest

/// The invoices view keeps an issued invoice's line parts encoded until
/// someone needs the lines: the close (and the periods, totals and agents'
/// CSV) waits only for the parts to arrive, not for a million lines to be
/// decoded.
final class InvoicesViewLazyLinesTests: XCTestCase {
    typealias W = AccountsWorld

    /// A (header, part messages) pair as the number stage writes them to cass.invoices.
    private func issued(_ invoice: Invoice) -> (header: StageMessage, parts: [[UInt8]]) {
        let (header, parts) = LinePart.split(invoice)
        return (.invoiceHeader(header, parts: parts.count), parts.map { StageMessage.invoiceLines(number: invoice.number, part: $0).encoded() })
    }

    private func apply(_ view: InvoicesView, _ values: [[UInt8]]) throws {
        for (offset, value) in values.enumerated() {
            try view.apply(LogRecord(topic: TopicCatalog.invoices, partition: 0, offset: Int64(offset), key: [], value: value))
        }
    }

    func test_a_period_closes_on_the_parts_arriving_and_the_lines_are_decoded_once_when_first_asked_for() throws {
        let first = PortalPagesRoutesTests.invoice(W.invoiceA), second = PortalPagesRoutesTests.invoice(W.invoiceB)
        XCTAssertGreaterThan(first.sections.count, 1, "the fixture has sections of two airlines")
        let view = InvoicesView()
        let a = issued(first), b = issued(second)
        XCTAssertFalse(a.parts.isEmpty)
        try apply(view, [a.header.encoded()] + a.parts + [b.header.encoded()] + b.parts)
        let period = PeriodKey(country: first.country, period: first.period)
        try view.apply(LogRecord(topic: TopicCatalog.settlements, partition: 0, offset: 99, key: [],
                                 value: StageMessage.periodClosed(period: period, invoices: 2, total: first.total + second.total, disbursements: []).encoded()))
        XCTAssertTrue(view.isClosed(period))

        let headers = view.headers()
        XCTAssertEqual(headers.map(\.number), [first.number, second.number])
        XCTAssertEqual(headers.map(\.lineCount), [first.lineCount, second.lineCount])
        XCTAssertEqual(headers.map(\.total), [first.total, second.total])
        XCTAssertTrue(headers.allSatisfy { $0.sections.allSatisfy(\.lines.isEmpty) }, "headers: no lines decoded yet")

        XCTAssertEqual(view.invoice(first.number), first, "the lines, decoded, exactly as issued")
        XCTAssertEqual(view.headers().first, first, "kept decoded")
        XCTAssertTrue(view.headers().last?.sections.allSatisfy(\.lines.isEmpty) ?? false, "only the one asked for")
        XCTAssertEqual(view.all(), [first, second])
        XCTAssertEqual(view.invoices(ofAgents: [InvoicesView.agentCompany(second)]), [second])
        XCTAssertEqual(view.issued(from: 1).invoices, [second])
        XCTAssertEqual(view.issued(from: 0).count, 2)
    }

    /// A header that counts fewer parts than its parts say there are (an
    /// emission short of lines) issues nothing, so the period stays
    /// closing; the whole emission sent again issues the invoice.
    func test_an_invoice_short_of_its_parts_is_not_issued_until_a_whole_emission_arrives() throws {
        let first = PortalPagesRoutesTests.invoice(W.invoiceA)
        let a = issued(first)
        XCTAssertGreaterThan(a.parts.count, 1, "the fixture's lines come in several parts")
        let (header, _) = LinePart.split(first)
        let view = InvoicesView()
        try apply(view, [StageMessage.invoiceHeader(header, parts: a.parts.count - 1).encoded()] + a.parts.dropLast())
        let period = PeriodKey(country: first.country, period: first.period)
        try view.apply(LogRecord(topic: TopicCatalog.settlements, partition: 0, offset: 99, key: [],
                                 value: StageMessage.periodClosed(period: period, invoices: 1, total: first.total, disbursements: []).encoded()))
        XCTAssertTrue(view.headers().isEmpty, "not issued with a part missing")
        XCTAssertFalse(view.isClosed(period))
        try apply(view, [a.header.encoded()] + a.parts)
        XCTAssertEqual(view.invoice(first.number), first)
        XCTAssertTrue(view.isClosed(period))
    }

    func test_an_invoice_whose_lines_do_not_decode_is_left_out_of_answers_and_nothing_else_is() throws {
        let first = PortalPagesRoutesTests.invoice(W.invoiceA), second = PortalPagesRoutesTests.invoice(W.invoiceB)
        let view = InvoicesView()
        var a = issued(first)
        let b = issued(second)
        // The first line's AWB: its length made absurd, the part's own
        // fields (number, index, count, line count) left readable.
        XCTAssertNotNil(ArrivingLinePart.encoded(a.parts[0]))
        a.parts[0] = corruptFirstLine(a.parts[0], number: first.number)
        XCTAssertNotNil(ArrivingLinePart.encoded(a.parts[0]), "still a part: its own fields read")
        try apply(view, [a.header.encoded()] + a.parts + [b.header.encoded()] + b.parts)
        XCTAssertEqual(view.headers().map(\.number), [first.number, second.number], "both issued: the parts all arrived")
        XCTAssertNil(view.invoice(first.number), "its lines do not decode")
        XCTAssertEqual(view.invoice(second.number), second)
        XCTAssertEqual(view.all(), [second])
    }

    /// The first line of an `invoiceLines` message made unreadable: after
    /// kind, version, the number (length and bytes), index, count, airline
    /// and line count come a new-file flag and the file name's length,
    /// which is made absurd.
    private func corruptFirstLine(_ message: [UInt8], number: String) -> [UInt8] {
        let at = 2 + 4 + number.utf8.count + 8 + 8 + 4 + 4
        var bytes = message
        guard at + 4 < bytes.count else { return message }
        bytes[at] = 1
        for i in 1...4 { bytes[at + i] = 0x7F }
        return bytes
    }
}
