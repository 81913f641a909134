import CASSDomain
import CASSRender
import Foundation
import XCTest

/// Reference data and invoices for the rendering tests: one operation per
/// supported language, agents named in their own script.
enum Fixtures {
    struct Market {
        let country: String
        let currency: String
        let digits: Int
        let language: String
        let agentName: String
        let address: String
    }

    static let markets: [Market] = [
        Market(country: "GB", currency: "GBP", digits: 2, language: "en", agentName: "Heathrow Cargo Agents Ltd", address: "Unit 4, Cargo Centre, Hounslow TW6 2AA"),
        Market(country: "FR", currency: "EUR", digits: 2, language: "fr", agentName: "Société Générale de Fret Aérien", address: "12 rue de la Paix, 75002 Paris"),
        Market(country: "ES", currency: "EUR", digits: 2, language: "es", agentName: "Transportes Aéreos Ibéricos Carga S.L.", address: "Calle de Alcalá 45, 28014 Madrid"),
        Market(country: "DE", currency: "EUR", digits: 2, language: "de", agentName: "Müller Luftfracht GmbH", address: "Flughafenstraße 5, 60549 Frankfurt am Main"),
        Market(country: "CN", currency: "CNY", digits: 2, language: "zh-Hans", agentName: "上海环球货运代理有限公司", address: "上海市浦东新区世纪大道100号"),
        Market(country: "JP", currency: "JPY", digits: 0, language: "ja", agentName: "日本航空貨物サービス株式会社", address: "東京都千代田区丸の内1-1-1"),
        Market(country: "KR", currency: "KRW", digits: 0, language: "ko", agentName: "한국항공화물 주식회사", address: "서울특별시 중구 세종대로 110"),
        Market(country: "AE", currency: "AED", digits: 2, language: "ar", agentName: "شركة الخليج للشحن الجوي", address: "دبي، شارع الشيخ زايد، مبنى 12"),
    ]

    static func agentCode(_ index: Int) -> Int64 { Int64(CheckDigit.agentCode(from: 1_234_567_000 + index)) }

    static let reference: ReferenceData = {
        var operations: [CASSDomain.Operation] = []
        var agents: [Agent] = []
        for (i, m) in markets.enumerated() {
            operations.append(CASSDomain.Operation(country: m.country, currency: m.currency, minorDigits: m.digits, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30,
                                        language: "en", entityName: "IATA CASS \(m.country)", entityTaxID: "TX-\(m.country)-0001"))
            agents.append(Agent(country: m.country, code: agentCode(i), name: m.agentName, taxID: "VAT\(1000 + i)", address: m.address,
                                language: m.language, status: .active, guaranteeMinor: 1_000_000))
        }
        let countries = markets.map(\.country)
        let airlines = [
            Airline(prefix: 125, name: "British Airways", taxID: "GB123456789", operations: countries),
            Airline(prefix: 57, name: "Air France", taxID: "FR40552043002", operations: countries),
            Airline(prefix: 176, name: "Emirates SkyCargo طيران الإمارات", taxID: "AE100000000000003", operations: countries),
            Airline(prefix: 160, name: "國泰航空 Cathay Pacific", taxID: "HK0001", operations: countries),
        ]
        return ReferenceData(operations: operations, airlines: airlines, agents: agents)
    }()

    static let fonts: FontSet? = try? FontSet.locate()

    static func requireFonts() throws -> FontSet {
        guard let fonts else {
            throw XCTSkip("fonts missing: run scripts/install-deps (fonts-noto-core, fonts-droid-fallback)")
        }
        return fonts
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func line(_ prefix: Int32, _ k: Int, _ transaction: TransactionType, digits: Int) -> InvoiceLine {
        let scale: Int64 = digits == 0 ? 1 : 100
        let serial = Int32(CheckDigit.awbSerial(from: 1_000_000 + k * 37))
        let weight = Int64(100 + (k * 731) % 9000)
        var wc = Int64(5000 + (k * 977) % 400_000) * scale / 100 * (digits == 0 ? 150 : 1)
        var val = Int64((k * 13) % 5 == 0 ? 250 * scale : 0)
        var ocdc = Int64(1500 + (k * 61) % 3000) * scale / 100 * (digits == 0 ? 150 : 1)
        var commission = Money.applyRate(wc, rateHundredthsPercent: 500)
        var incentive = Int64(k % 3 == 0 ? 100 * scale / 100 : 0)
        // Every fifth AWB is collect: its net is minus commission and incentive.
        var indicator: ChargesIndicator? = k % 5 == 2 ? .collect : .prepaid
        var amount = indicator == .collect ? -commission - incentive : wc + val + ocdc - commission - incentive
        var reason = ""
        switch transaction {
        case .awb: break
        case .cca:
            reason = "WGT"
            wc = 1200 * scale / 100; val = 0; ocdc = 0; commission = 60 * scale / 100; incentive = 0
            amount = wc - commission
            indicator = .prepaid
        case .dcm:
            reason = "RAT"
            wc = 0; val = 0; ocdc = 0; commission = 0; incentive = 0; amount = 4_550 * scale / 100
            indicator = nil
        case .ccm:
            reason = "DSC"
            wc = 0; val = 0; ocdc = 0; commission = 0; incentive = 0; amount = -2_075 * scale / 100
            indicator = nil
        }
        let origins = ["LHR", "CDG", "MAD", "FRA", "PVG", "NRT", "ICN", "DXB"]
        return InvoiceLine(awb: padded(Int(prefix), 3) + "-" + padded(Int(serial), 8), awbSerial: serial, transaction: transaction,
                           issueDate: CivilDate(year: 2026, month: 11, day: 1 + k % 7) ?? CivilDate(dayNumber: 0),
                           origin: origins[k % origins.count], destination: origins[(k + 3) % origins.count],
                           chargeableWeightTenthsKg: weight, weightCharge: wc, valuationCharge: val, otherChargesDueCarrier: ocdc,
                           commission: commission, incentive: incentive, amount: amount, reasonCode: reason,
                           sourceFile: "\(prefix)_XX_2026110101.cbf", sourceSequence: Int32(k + 2), chargesIndicator: indicator)
    }

    /// An invoice of `lines` lines spread over up to three airlines, with
    /// corrections, memos and a charged and a credited tax per section.
    static func invoice(market index: Int, lines count: Int, number: String? = nil) -> Invoice {
        let m = markets[index]
        let prefixes: [Int32] = [125, 57, 176, 160]
        let sectionCount = min(3, max(1, count / 4))
        var sections: [InvoiceSection] = []
        var k = 0
        for s in 0..<sectionCount {
            let prefix = prefixes[(s + index) % prefixes.count]
            let share = count / sectionCount + (s < count % sectionCount ? 1 : 0)
            var lines: [InvoiceLine] = []
            for j in 0..<share {
                let transaction: TransactionType = j > 0 && j % 9 == 4 ? .cca : j > 0 && j % 11 == 6 ? .dcm : j > 0 && j % 13 == 8 ? .ccm : .awb
                lines.append(line(prefix, k, transaction, digits: m.digits))
                k += 1
            }
            let net = lines.reduce(0) { $0 + $1.amount }
            let commission = lines.reduce(0) { $0 + $1.commission }
            let vat = TaxLine(code: "VAT", description: "VAT on commission", base: .commission, rateHundredthsPercent: 2000, direction: .credited,
                              baseAmount: commission, amount: Money.applyRate(commission, rateHundredthsPercent: 2000))
            let wcBase = lines.reduce(0) { $0 + $1.weightCharge }
            let levy = TaxLine(code: "CT", description: "Consumption tax", base: .weight, rateHundredthsPercent: 1000, direction: .charged,
                               baseAmount: wcBase, amount: Money.applyRate(wcBase, rateHundredthsPercent: 1000))
            sections.append(InvoiceSection(airlinePrefix: prefix, lines: lines, taxes: [levy, vat], netDue: net, taxCharged: levy.amount,
                                           taxCredited: vat.amount, total: net + levy.amount - vat.amount))
        }
        let period = BillingPeriod(year: 2026, month: 11, number: 1) ?? BillingPeriod(yyyymmnn: 20261101)
        let invoiceDate = CivilDate(year: 2026, month: 11, day: 7) ?? CivilDate(dayNumber: 0)
        return Invoice(number: number ?? "\(m.country)2026\(padded(index + 1, 6))", country: m.country, period: period ?? BillingPeriod(year: 2026, month: 1, number: 1)!,
                       currency: m.currency, minorDigits: m.digits, invoiceDate: invoiceDate, remittanceDate: invoiceDate.adding(days: 10),
                       agentCode: agentCode(index), sections: sections, lineCount: count, netDue: sections.reduce(0) { $0 + $1.netDue },
                       taxCharged: sections.reduce(0) { $0 + $1.taxCharged }, taxCredited: sections.reduce(0) { $0 + $1.taxCredited },
                       total: sections.reduce(0) { $0 + $1.total })
    }

    /// A fresh folder in the temporary directory, removed when `test`
    /// ends (each run of these tests left about 60 behind).
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cass-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static func toolPath(_ tool: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool and returns its standard output; nil when it is not installed.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String? {
        guard let path = toolPath(tool) else { return nil }
        let result = try capture(path, arguments)
        guard result.status == 0 else {
            throw NSError(domain: "Fixtures", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments) exited \(result.status)"])
        }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// Runs the program at `path`; its exit status and standard output
    /// (standard error dropped).
    static func capture(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](data))
    }
}
