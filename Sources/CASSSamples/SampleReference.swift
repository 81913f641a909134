import CASSDomain
import Foundation

/// The sample world: three CASS operations, six airlines, agents writing in
/// their own scripts, and tax rules with validity dates. Fixed for every
/// seed: the seed changes the billing, not who bills.
enum SampleReference {
    struct OperationProfile {
        var operation: CASSDomain.Operation
        /// Minor units per "penny-equivalent", times 100: amounts are drawn in
        /// pence and converted, so every currency gets plausible sizes.
        var scalePercent: Int64
        var origins: [String]
        var destinations: [String]
        /// Relative share of the billing.
        var weight: Int
        /// A currency that is not this operation's, for R06 and F07.
        var foreignCurrency: String
    }

    static let operations: [OperationProfile] = [
        OperationProfile(
            operation: CASSDomain.Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30, language: "en", entityName: "IATA CASS United Kingdom", entityTaxID: "GB123456789"),
            scalePercent: 100, origins: ["LHR", "LGW", "MAN", "STN", "EMA", "BHX"],
            destinations: ["JFK", "ORD", "HKG", "PVG", "NRT", "DXB", "KWI", "CDG", "FRA", "MAD", "ICN", "GRU", "JNB"],
            weight: 5, foreignCurrency: "EUR"),
        OperationProfile(
            operation: CASSDomain.Operation(country: "JP", currency: "JPY", minorDigits: 0, periodsPerMonth: 2, remittanceDays: 14, disputeDays: 30, language: "ja", entityName: "IATA CASS 日本", entityTaxID: "T1010401089234"),
            scalePercent: 190, origins: ["NRT", "HND", "KIX", "NGO", "FUK"],
            destinations: ["LHR", "LAX", "ORD", "PVG", "HKG", "ICN", "SIN", "BKK", "FRA", "AMS", "DXB"],
            weight: 3, foreignCurrency: "USD"),
        OperationProfile(
            operation: CASSDomain.Operation(country: "KW", currency: "KWD", minorDigits: 3, periodsPerMonth: 2, remittanceDays: 7, disputeDays: 21, language: "ar", entityName: "IATA CASS الكويت", entityTaxID: "KW300012345"),
            scalePercent: 380, origins: ["KWI"],
            destinations: ["LHR", "DXB", "DOH", "BAH", "CAI", "BOM", "IST", "CDG", "JFK", "NRT"],
            weight: 2, foreignCurrency: "USD"),
    ]

    static let airlines: [Airline] = [
        Airline(prefix: 125, name: "British Airways", taxID: "GB243351727", operations: ["GB", "JP"]),
        Airline(prefix: 131, name: "日本航空", taxID: "T8010401096011", operations: ["JP"]),
        Airline(prefix: 157, name: "Qatar Airways, Q.C.S.C.", taxID: "QA00012345", operations: ["GB", "JP", "KW"]),
        Airline(prefix: 176, name: "Emirates (طيران الإمارات)", taxID: "AE100045678900003", operations: ["GB", "KW"]),
        Airline(prefix: 205, name: "全日本空輸 (ANA)", taxID: "T1010401052343", operations: ["JP"]),
        Airline(prefix: 229, name: "الخطوط الجوية الكويتية", taxID: "KW100020001", operations: ["KW"]),
    ]

    /// An airline prefix nobody registered: F08 and R03 need one.
    static let unknownAirline: Int32 = 999

    static let agents: [Agent] = {
        func agent(_ country: String, _ iata: Int, _ branch: Int, _ name: String, _ tax: String, _ address: String, _ language: String, _ status: AgentStatus = .active, _ guaranteeMajor: Int64 = 50_000) -> Agent {
            let code = Int64(CheckDigit.agentCode(from: iata * 1000 + branch))
            return Agent(country: country, code: code, name: name, taxID: tax, address: address, language: language, status: status,
                         guaranteeMinor: guaranteeMajor * minorUnitsPerMajor(country))
        }
        return [
            agent("GB", 9_120_004, 0, "Thames Cargo Services Ltd", "GB987654321", "Unit 4, Horton Road, Colnbrook SL3 0BB", "en", .active, 120_000),
            agent("GB", 9_120_017, 0, "Transitaire Élysée S.A.R.L.", "FR40123456789", "12, rue de l'Église, 75008 Paris", "fr"),
            agent("GB", 9_120_021, 1, "Carga Rápida, S.L.", "ESB12345678", "Calle de Alcalá 45, 28014 Madrid", "es"),
            agent("GB", 9_120_038, 0, "Müller & Söhne Luftfracht GmbH", "DE123456789", "Flughafenstraße 7, 60549 Frankfurt am Main", "de"),
            agent("GB", 9_120_042, 0, "伦敦华运国际货运有限公司", "GB555000111", "伦敦希思罗机场货运中心 B 座 12 号", "zh-Hans"),
            agent("GB", 9_120_055, 0, "O'Brien \"Express\" Forwarding", "GB222333444", "Dock Road, Tilbury RM18 7BX", "en", .active, 20_000),
            agent("GB", 9_120_063, 0, "한진 로지스틱스 런던", "GB777888999", "Bath Road 220, Hayes UB3 5AN", "ko"),
            agent("GB", 9_120_070, 0, "شركة الخليج للشحن المحدودة", "GB444555666", "Cargo Point, Bedfont Road, Stanwell TW19 7NZ", "ar"),
            agent("GB", 9_120_084, 0, "Heathrow Freight Partners LLP", "GB111222333", "Building 521, Heathrow TW6 3UA", "en", .suspended),
            agent("GB", 9_120_091, 0, "Old Kent Air Cargo Ltd", "GB666777888", "Manston Road, Ramsgate CT12 5BQ", "en", .terminated, 0),
            agent("JP", 4_330_012, 0, "日本通運株式会社", "T4010401022860", "東京都港区東新橋一丁目9番3号", "ja", .active, 20_000_000),
            agent("JP", 4_330_025, 0, "近鉄エクスプレス", "T6010401034539", "東京都港区港南二丁目15番1号", "ja"),
            agent("JP", 4_330_031, 2, "郵船ロジスティクス株式会社", "T9010401083254", "東京都品川区東品川一丁目1番1号", "ja"),
            agent("JP", 4_330_046, 0, "上海东方航空物流有限公司 東京支店", "T3700150012345", "千葉県成田市古込1-1", "zh-Hans"),
            agent("JP", 4_330_050, 0, "대한통운 재팬 주식회사", "T2010001098765", "大阪府泉佐野市泉州空港北1番地", "ko"),
            agent("JP", 4_330_067, 0, "Nippon Cargo Forwarders, Ltd.", "T5010001011111", "1-1 Furugome, Narita, Chiba", "en"),
            agent("JP", 4_330_073, 0, "さくら航空貨物株式会社", "T7010001022222", "愛知県常滑市セントレア一丁目1番地", "ja", .suspended),
            agent("KW", 4_210_008, 0, "شركة الكويت للشحن الجوي", "KW200011111", "مدينة الكويت، منطقة الشويخ الصناعية، قطعة 3", "ar", .active, 40_000),
            agent("KW", 4_210_014, 0, "مؤسسة الصقر للنقل والتخليص", "KW200022222", "الفروانية، شارع المطار، مبنى 12", "ar"),
            agent("KW", 4_210_029, 0, "Gulf Freight Co. W.L.L.", "KW200033333", "Airport Cargo City, Block 5, Kuwait", "en"),
            agent("KW", 4_210_033, 0, "Agence Française du Golfe", "KW200044444", "Rue du Port, Shuwaikh, Koweït", "fr"),
            agent("KW", 4_210_047, 0, "Al-Noor Cargo \"Express\"", "KW200055555", "Farwaniya, Kuwait", "ar", .terminated, 0),
        ]
    }()

    /// GB: VAT credited on commission (and an expired rate that must never
    /// apply). JP: consumption tax charged on the weight charge whose rate
    /// changes inside the generated range, on the 10th of the second month,
    /// so a period straddles two rules. KW: a charged levy on OCDC.
    static func taxRules(_ config: SampleConfig) -> [TaxRule] {
        let secondMonth = addMonths(year: config.firstYear, month: config.firstMonth, 1)
        let change = CivilDate(year: secondMonth.year, month: secondMonth.month, day: 10) ?? CivilDate(dayNumber: 0)
        func date(_ y: Int, _ m: Int, _ d: Int) -> CivilDate { CivilDate(year: y, month: m, day: d) ?? CivilDate(dayNumber: 0) }
        return [
            TaxRule(country: "GB", code: "VAT", description: "VAT on commission, 17.5 %", base: .commission, rateHundredthsPercent: 1750, direction: .credited, validFrom: date(2008, 12, 1), validTo: date(2011, 1, 3)),
            TaxRule(country: "GB", code: "VAT", description: "VAT on commission, 20 %", base: .commission, rateHundredthsPercent: 2000, direction: .credited, validFrom: date(2011, 1, 4), validTo: nil),
            TaxRule(country: "JP", code: "CT", description: "消費税 8 %", base: .weight, rateHundredthsPercent: 800, direction: .charged, validFrom: date(2014, 4, 1), validTo: change.adding(days: -1)),
            TaxRule(country: "JP", code: "CT", description: "消費税 10 %", base: .weight, rateHundredthsPercent: 1000, direction: .charged, validFrom: change, validTo: nil),
            TaxRule(country: "KW", code: "ASL", description: "رسوم خدمات المطار، Airport services levy 2.5 %", base: .ocdc, rateHundredthsPercent: 250, direction: .charged, validFrom: date(2020, 1, 1), validTo: nil),
        ]
    }

    static func referenceData(_ config: SampleConfig) -> ReferenceData {
        ReferenceData(operations: operations.map(\.operation), airlines: airlines, agents: agents(config), taxRules: taxRules(config))
    }

    /// Minor units in one unit of the operation's currency (100 for GBP, 1
    /// for JPY, 1,000 for KWD): guarantees are written in whole units.
    static func minorUnitsPerMajor(_ country: String) -> Int64 {
        let digits = operations.first { $0.operation.country == country }?.operation.minorDigits ?? 2
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        return scale
    }

    /// The fixed cast, then `config.extraAgents` generated active agents.
    static func agents(_ config: SampleConfig) -> [Agent] {
        agents + generatedAgents(config.extraAgents)
    }

    /// Generated agents take operations in the billing weights' proportion
    /// (5 GB : 3 JP : 2 KW), languages in turn from those the operation's
    /// cast writes in, and codes from IATA number ranges the cast does not
    /// use, so they never collide with it or each other.
    static func generatedAgents(_ count: Int) -> [Agent] {
        struct Style { var country: String; var firstIATA: Int; var languages: [String]; var address: String; var taxID: (Int) -> String }
        let styles = [
            Style(country: "GB", firstIATA: 9_130_000, languages: ["en", "fr", "es", "de", "zh-Hans", "ko", "ar"],
                  address: "Cargo Terminal, Heathrow TW6 2JS", taxID: { "GB9" + String(10_000_000 + $0).suffix(8) }),
            Style(country: "JP", firstIATA: 4_340_000, languages: ["ja", "zh-Hans", "ko", "en"],
                  address: "千葉県成田市取香 成田空港貨物地区", taxID: { "T9" + String(100_000_000_000 + $0).suffix(12) }),
            Style(country: "KW", firstIATA: 4_220_000, languages: ["ar", "en", "fr"],
                  address: "Airport Cargo City, Kuwait", taxID: { "KW3" + String(10_000_000 + $0).suffix(8) }),
        ]
        let cycle = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]
        var perStyle = [0, 0, 0]
        var result: [Agent] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let styleIndex = cycle[index % cycle.count]
            let style = styles[styleIndex]
            let number = perStyle[styleIndex] + 1
            perStyle[styleIndex] = number
            let language = style.languages[(number - 1) % style.languages.count]
            let code = Int64(CheckDigit.agentCode(from: (style.firstIATA + number) * 1000))
            result.append(Agent(
                country: style.country, code: code, name: generatedName(language, number), taxID: style.taxID(number),
                address: style.address, language: language, status: .active, guaranteeMinor: 50_000 * minorUnitsPerMajor(style.country)))
        }
        return result
    }

    /// A name in the agent's own script, numbered so each is unique.
    static func generatedName(_ language: String, _ number: Int) -> String {
        switch language {
        case "fr": "Fret Aérien Numéro \(number) S.A.R.L."
        case "es": "Carga Aérea Número \(number), S.L."
        case "de": "Luftfracht Nummer \(number) GmbH"
        case "zh-Hans": "第\(number)号国际货运有限公司"
        case "ko": "제\(number) 항공화물 주식회사"
        case "ja": "第\(number)航空貨物株式会社"
        case "ar": "شركة الشحن الجوي رقم \(number)"
        default: "Meridian Air Cargo No. \(number) Ltd"
        }
    }

    static func addMonths(year: Int, month: Int, _ count: Int) -> (year: Int, month: Int) {
        let index = year * 12 + (month - 1) + count
        return (index / 12, index % 12 + 1)
    }

    // MARK: CSV files (settlement.md, "Reference data files")

    static func operationsCSV() -> String {
        var rows = ["country,currency,periods_per_month,remittance_days,dispute_days,language,entity_name,entity_tax_id"]
        for profile in operations {
            let o = profile.operation
            rows.append(CSVText.row([o.country, o.currency, String(o.periodsPerMonth), String(o.remittanceDays), String(o.disputeDays), o.language, o.entityName, o.entityTaxID]))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func airlinesCSV() -> String {
        var rows = ["prefix,name,tax_id,operations"]
        for airline in airlines {
            rows.append(CSVText.row([airline.prefixText, airline.name, airline.taxID, airline.operations.joined(separator: ";")]))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func agentsCSV(_ config: SampleConfig) -> String {
        var rows = ["country,agent,name,tax_id,address,language,status,guarantee"]
        for agent in agents(config) {
            rows.append(CSVText.row([agent.country, agent.codeText, agent.name, agent.taxID, agent.address, agent.language, agent.status.rawValue, String(agent.guaranteeMinor)]))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func taxRulesCSV(_ config: SampleConfig) -> String {
        var rows = ["country,code,description,base,rate,direction,valid_from,valid_to"]
        for rule in taxRules(config) {
            rows.append(CSVText.row([rule.country, rule.code, rule.description, rule.base.rawValue, String(rule.rateHundredthsPercent), rule.direction.rawValue, rule.validFrom.description, rule.validTo?.description ?? ""]))
        }
        return rows.joined(separator: "\n") + "\n"
    }
}

/// RFC 4180 output: a field holding a comma, a quote or a line break is
/// quoted, quotes doubled.
enum CSVText {
    static func row(_ fields: [String]) -> String { fields.map(CSV.escape).joined(separator: ",") }
}
