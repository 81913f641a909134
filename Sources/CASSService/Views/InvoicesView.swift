import CASSAccess
import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation

/// Issued invoices as the number stage wrote them to cass.invoices (a
/// header, then its lines in parts), and closed periods with their
/// disbursements from cass.settlements: what invoices, settlements and
/// the report CSVs are answered from.
public final class InvoicesView: View, @unchecked Sendable {
    // @unchecked: all state below is touched under `lock`.
    private let lock = NSLock()
    /// Every issued invoice: with its lines once they are decoded, its
    /// header (sections without lines) while they wait in `undecoded`.
    private var invoices: [String: Invoice] = [:]
    /// Issued invoices' line parts, kept as the messages they came in
    /// until someone first needs the lines. A period counts as closed once
    /// every part is here; decoding a million lines into invoices on the
    /// view's thread was what a close through `cass serve` waited for last
    /// (docs/decisions.md), and the periods, the totals and the agents' CSV
    /// need only the headers.
    private var undecoded: [String: [ArrivingLinePart]] = [:]
    private var waiting: [String: (header: Invoice, parts: Int, received: [Int: ArrivingLinePart])] = [:]
    private var numbersByAgent: [String: [String]] = [:]
    private var closed: [PeriodKey: ClosedPeriod] = [:]
    /// Invoices in the view per period. The close (cass.settlements) and
    /// the invoices (cass.invoices) are different topics, read in no fixed
    /// order: a period counts as closed only once all the invoices its
    /// close names are here too, so that "closed" never shows a period with
    /// invoices missing from its reports.
    private var issuedPerPeriod: [PeriodKey: Int] = [:]

    public struct ClosedPeriod: Sendable {
        public var period: PeriodKey
        public var invoices: Int
        public var totalMinor: Int64
        public var disbursements: [Disbursement]
    }

    /// Issued invoices in the order they arrived (the accounts desk records
    /// each once, in this order).
    private var issuedOrder: [String] = []
    let hub: EventHub?
    let issued: (@Sendable () -> Void)?

    public init(hub: EventHub? = nil, issued: (@Sendable () -> Void)? = nil) {
        self.hub = hub
        self.issued = issued
    }

    public var topics: [String] { [TopicCatalog.invoices, TopicCatalog.settlements] }

    /// The company id of an invoice's agent: `agent-CC-AAAAAAAAAAA`.
    public static func agentCompany(_ invoice: Invoice) -> String { "agent-\(invoice.country)-\(invoice.agentCodeText)" }

    public func apply(_ record: LogRecord) throws {
        // Line parts, most of the topic's bytes, wait encoded for the rest
        // of their invoice (`ArrivingLinePart`).
        if let (number, part) = ArrivingLinePart.encoded(record.value) {
            lock.lock()
            defer { lock.unlock() }
            arrived(part, of: number)
            return
        }
        let message = try StageMessage.decode(record.value)
        lock.lock()
        defer { lock.unlock() }
        switch message {
        case .invoice(let invoice):
            issue(invoice, parts: LinePart.split(invoice).1.count)
        case .invoiceHeader(let header, let parts):
            guard invoices[header.number] == nil else { return }   // a replay
            if parts == 0 { issue(header, parts: 0) } else { waiting[header.number] = (header, parts, [:]) }
        case .invoiceLines(let number, let part):
            arrived(ArrivingLinePart(part), of: number)
        case .periodClosed(let period, let count, let total, let disbursements):
            guard closed[period] == nil else { return }
            closed[period] = ClosedPeriod(period: period, invoices: count, totalMinor: total, disbursements: disbursements)
            if let hub, hub.isListened {
                let airlines = disbursements.map { CompanyID.airline(prefix: InvoiceRoutes.prefixText($0.airlinePrefix)) }
                hub.publish(companies: airlines + [.cass]) {
                    PublicEvents.periodClosed(period, invoices: count, totalMinor: total, disbursements: disbursements, reference: hub.reference)
                }
            }
        default:
            break
        }
    }

    /// Under `lock`: a line part; the invoice is issued with its last.
    private func arrived(_ part: ArrivingLinePart, of number: String) {
        guard waiting[number] != nil else { return }
        waiting[number]?.received[part.index] = part
        guard let entry = waiting[number], entry.received.count >= entry.parts else { return }
        let parts = Array(entry.received.values)
        guard ArrivingLinePart.fit(entry.header, parts) else {
            // Left waiting (a whole emission again replaces it): never issued
            // with lines missing, and never silently, since its period then
            // cannot read as closed.
            let counts = Set(parts.map(\.count)).sorted().map(String.init).joined(separator: ", ")
            FileHandle.standardError.write(Data("serve: invoice \(number): its header counts \(entry.parts) line parts, the \(parts.count) arrived say \(counts); not issued until a complete set arrives\n".utf8))
            return
        }
        waiting[number] = nil
        guard invoices[number] == nil else { return }
        undecoded[number] = parts
        issue(entry.header, parts: entry.parts, sectionLines: ArrivingLinePart.sectionLines(entry.header, parts))
    }

    private func issue(_ invoice: Invoice, parts: Int, sectionLines: [Int]? = nil) {
        guard invoices[invoice.number] == nil else { return }
        invoices[invoice.number] = invoice
        issuedPerPeriod[PeriodKey(country: invoice.country, period: invoice.period), default: 0] += 1
        issuedOrder.append(invoice.number)
        issued?()
        numbersByAgent[Self.agentCompany(invoice), default: []].append(invoice.number)
        if let hub {
            // The payload of cass.invoice-events, with the part count the
            // number stage sent the lines in; built only for open streams.
            hub.publish(companies: [.agent(country: invoice.country, code: invoice.agentCodeText)]) {
                PublicEvents.invoiceIssued(invoice, sectionLines: sectionLines ?? invoice.sections.map(\.lines.count), parts: parts, reference: hub.reference)
            }
        }
    }

    public func invoice(_ number: String) -> Invoice? {
        withLines([number]).first
    }

    /// Every issued invoice with its lines, by number.
    public func all() -> [Invoice] {
        lock.lock()
        let numbers = invoices.keys.sorted()
        lock.unlock()
        return withLines(numbers)
    }

    /// Every issued invoice by number, for its totals only: the sections of
    /// an invoice whose lines nobody has needed yet come without them
    /// (`Invoice.lineCount` and every amount are there).
    public func headers() -> [Invoice] {
        lock.lock()
        defer { lock.unlock() }
        return invoices.values.sorted { $0.number < $1.number }
    }

    /// The invoices of some agent companies, by number.
    public func invoices(ofAgents companies: [String]) -> [Invoice] {
        lock.lock()
        let numbers = companies.flatMap { numbersByAgent[$0] ?? [] }.sorted()
        lock.unlock()
        return withLines(numbers)
    }

    /// Invoices issued from the `from`-th on, and how many there are.
    public func issued(from: Int) -> (invoices: [Invoice], count: Int) {
        lock.lock()
        let count = issuedOrder.count
        let numbers = from < count ? Array(issuedOrder[from...]) : []
        lock.unlock()
        return (withLines(numbers), count)
    }

    /// Issued invoices `numbers` with their lines, in that order, decoding
    /// the lines of those not decoded yet outside the lock (requests and
    /// the view's own thread go on meanwhile). An invoice whose lines do
    /// not decode is reported and left out, as one the view does not have.
    private func withLines(_ numbers: [String]) -> [Invoice] {
        var found: [Invoice?] = []
        var pending: [(position: Int, header: Invoice, parts: [ArrivingLinePart])] = []
        lock.lock()
        found.reserveCapacity(numbers.count)
        for number in numbers {
            guard let invoice = invoices[number] else { continue }
            if let parts = undecoded[number] {
                pending.append((found.count, invoice, parts))
                found.append(nil)
            } else {
                found.append(invoice)
            }
        }
        lock.unlock()
        guard !pending.isEmpty else { return found.compactMap { $0 } }
        var decoded: [(position: Int, invoice: Invoice)] = []
        decoded.reserveCapacity(pending.count)
        for entry in pending {
            do {
                if let invoice = try ArrivingLinePart.join(entry.header, entry.parts) { decoded.append((entry.position, invoice)) }
            } catch {
                FileHandle.standardError.write(Data("serve: invoice \(entry.header.number): its lines in cass.invoices do not decode (\(error)); it is left out of answers\n".utf8))
            }
        }
        lock.lock()
        for (position, invoice) in decoded {
            // Another caller may have decoded it meanwhile: one copy is kept.
            if undecoded.removeValue(forKey: invoice.number) != nil {
                invoices[invoice.number] = invoice
                found[position] = invoice
            } else {
                found[position] = invoices[invoice.number] ?? invoice
            }
        }
        lock.unlock()
        return found.compactMap { $0 }
    }

    public func closedPeriods() -> [ClosedPeriod] {
        lock.lock()
        defer { lock.unlock() }
        return closed.values.filter(isComplete).sorted { $0.period < $1.period }
    }

    public func isClosed(_ period: PeriodKey) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed[period].map(isComplete) ?? false
    }

    /// Under `lock`: every invoice of the close is in the view.
    private func isComplete(_ period: ClosedPeriod) -> Bool {
        issuedPerPeriod[period.period, default: 0] >= period.invoices
    }
}
