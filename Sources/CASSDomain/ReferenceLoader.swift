import Foundation

/// Bad reference data: the file, line and column, and what is wrong. Any
/// one of these refuses the whole folder: nothing of it is loaded.
public struct ReferenceDataError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var columnName: String
    public var message: String

    public var description: String {
        var place = file
        if line > 0 { place += ", line \(line)" }
        if column > 0 { place += ", column \(column)" + (columnName.isEmpty ? "" : " (\(columnName))") }
        return "\(place): \(message)"
    }
}

/// Loads the reference-data folder of settlement.md: operations.csv,
/// airlines.csv, agents.csv and tax-rules.csv.
public enum ReferenceLoader {
    public static func load(directory: URL) throws(ReferenceDataError) -> ReferenceData {
        func read(_ name: String) throws(ReferenceDataError) -> [UInt8] {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ReferenceDataError(file: url.path, line: 0, column: 0, columnName: "", message: "cannot read the file (missing or unreadable)")
            }
            return [UInt8](data)
        }
        return try parse(
            operations: (read("operations.csv"), directory.appendingPathComponent("operations.csv").path),
            airlines: (read("airlines.csv"), directory.appendingPathComponent("airlines.csv").path),
            agents: (read("agents.csv"), directory.appendingPathComponent("agents.csv").path),
            taxRules: (read("tax-rules.csv"), directory.appendingPathComponent("tax-rules.csv").path))
    }

    public static func parse(
        operations: ([UInt8], String), airlines: ([UInt8], String), agents: ([UInt8], String), taxRules: ([UInt8], String)
    ) throws(ReferenceDataError) -> ReferenceData {
        let loadedOperations = try parseOperations(operations.0, file: operations.1)
        let knownCountries = Set(loadedOperations.map(\.country))
        let loadedAirlines = try parseAirlines(airlines.0, file: airlines.1, countries: knownCountries)
        let loadedAgents = try parseAgents(agents.0, file: agents.1, countries: knownCountries)
        let loadedRules = try parseTaxRules(taxRules.0, file: taxRules.1, countries: knownCountries)
        return ReferenceData(operations: loadedOperations, airlines: loadedAirlines, agents: loadedAgents, taxRules: loadedRules)
    }

    /// A table's rows with their columns looked up by header name.
    struct Table {
        let file: String
        let columns: [String: Int]
        let header: [String]
        let rows: [CSV.Row]

        init(_ bytes: [UInt8], file: String, required: [String], optional: [String] = []) throws(ReferenceDataError) {
            let parsed: [CSV.Row]
            do {
                parsed = try CSV.parse(bytes)
            } catch {
                // The column's name, when the header itself reads.
                var name = ""
                if error.line > 1, let header = try? CSV.parse(Array(bytes.prefix { $0 != 10 })).first?.fields, error.column - 1 < header.count {
                    name = header[error.column - 1].trimmingCharacters(in: .whitespaces)
                }
                throw ReferenceDataError(file: file, line: error.line, column: error.column, columnName: name, message: error.message)
            }
            guard let headerRow = parsed.first else {
                throw ReferenceDataError(file: file, line: 1, column: 0, columnName: "", message: "empty file: a header row is required (\(required.joined(separator: ",")))")
            }
            var columns: [String: Int] = [:]
            for (index, field) in headerRow.fields.enumerated() {
                let name = field.trimmingCharacters(in: .whitespaces)
                guard columns[name] == nil else {
                    throw ReferenceDataError(file: file, line: 1, column: index + 1, columnName: name, message: "column '\(name)' appears twice")
                }
                columns[name] = index
            }
            for name in required where columns[name] == nil {
                throw ReferenceDataError(file: file, line: 1, column: 0, columnName: name, message: "the header lacks column '\(name)'; expected \(required.joined(separator: ","))")
            }
            let known = Set(required + optional)
            for (index, field) in headerRow.fields.enumerated() where !known.contains(field.trimmingCharacters(in: .whitespaces)) {
                // A misspelt optional column would otherwise be ignored in silence.
                let name = field.trimmingCharacters(in: .whitespaces)
                throw ReferenceDataError(file: file, line: 1, column: index + 1, columnName: name,
                                         message: "unknown column '\(name)'; the columns are \((required + optional).joined(separator: ","))")
            }
            self.file = file
            self.columns = columns
            self.header = headerRow.fields
            // Blank lines carry nothing.
            self.rows = parsed.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
            for row in rows where row.fields.count != header.count {
                throw ReferenceDataError(file: file, line: row.line, column: min(row.fields.count, header.count) + 1, columnName: "", message: "\(row.fields.count) fields, the header has \(header.count)")
            }
        }

        func has(_ name: String) -> Bool { columns[name] != nil }

        func value(_ row: CSV.Row, _ name: String) -> String {
            guard let index = columns[name], index < row.fields.count else { return "" }
            return row.fields[index]
        }

        func fail(_ row: CSV.Row, _ name: String, _ message: String) -> ReferenceDataError {
            ReferenceDataError(file: file, line: row.line, column: (columns[name] ?? -1) + 1, columnName: name, message: message)
        }

        func integer(_ row: CSV.Row, _ name: String, min minimum: Int64 = 0) throws(ReferenceDataError) -> Int64 {
            let text = value(row, name).trimmingCharacters(in: .whitespaces)
            guard let number = Int64(text) else {
                throw fail(row, name, "'\(text)' is not a whole number")
            }
            guard number >= minimum else {
                throw fail(row, name, "\(number) is negative; it must be \(minimum) or more")
            }
            return number
        }

        func nonEmpty(_ row: CSV.Row, _ name: String) throws(ReferenceDataError) -> String {
            let text = value(row, name)
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(row, name, "must not be empty") }
            return text
        }

        func country(_ row: CSV.Row, _ name: String) throws(ReferenceDataError) -> String {
            let text = value(row, name)
            guard text.utf8.count == 2, text.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                throw fail(row, name, "'\(text)' is not an ISO 3166-1 alpha-2 country code")
            }
            return text
        }

        func date(_ row: CSV.Row, _ name: String) throws(ReferenceDataError) -> CivilDate {
            let text = value(row, name)
            guard let date = CivilDate(iso: Substring(text)) else {
                throw fail(row, name, "'\(text)' is not a calendar date YYYY-MM-DD")
            }
            return date
        }
    }

    static func parseOperations(_ bytes: [UInt8], file: String) throws(ReferenceDataError) -> [Operation] {
        let table = try Table(bytes, file: file, required: ["country", "currency", "periods_per_month", "remittance_days", "dispute_days", "language", "entity_name", "entity_tax_id"],
                              optional: ["bank_name", "iban", "bic"])
        // Where agents pay: optional columns, and an empty field is "not given".
        func optionalText(_ row: CSV.Row, _ name: String) -> String? {
            let text = table.value(row, name).trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        var result: [Operation] = []
        var seen: Set<String> = []
        for row in table.rows {
            let country = try table.country(row, "country")
            guard seen.insert(country).inserted else { throw table.fail(row, "country", "operation \(country) is defined twice") }
            let currency = table.value(row, "currency")
            guard let digits = ISO4217.minorDigits(of: currency) else {
                throw table.fail(row, "currency", "'\(currency)' is not an ISO 4217 currency code")
            }
            let periods = try table.integer(row, "periods_per_month")
            guard periods == 2 || periods == 4 else { throw table.fail(row, "periods_per_month", "\(periods): an operation has 2 or 4 billing periods a month") }
            result.append(Operation(
                country: country, currency: currency, minorDigits: digits, periodsPerMonth: Int(periods),
                remittanceDays: Int(try table.integer(row, "remittance_days")), disputeDays: Int(try table.integer(row, "dispute_days")),
                language: table.value(row, "language").isEmpty ? "en" : table.value(row, "language"),
                entityName: table.value(row, "entity_name"), entityTaxID: table.value(row, "entity_tax_id"),
                bankName: optionalText(row, "bank_name"), iban: optionalText(row, "iban"), bic: optionalText(row, "bic")))
        }
        return result
    }

    static func parseAirlines(_ bytes: [UInt8], file: String, countries: Set<String>) throws(ReferenceDataError) -> [Airline] {
        let table = try Table(bytes, file: file, required: ["prefix", "name", "tax_id", "operations"])
        var result: [Airline] = []
        var seen: Set<Int32> = []
        for row in table.rows {
            let text = table.value(row, "prefix")
            guard text.utf8.count == 3, let prefix = Int32(text), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw table.fail(row, "prefix", "'\(text)' is not a 3-digit airline prefix")
            }
            guard seen.insert(prefix).inserted else { throw table.fail(row, "prefix", "airline \(text) is defined twice") }
            var operations: [String] = []
            for part in table.value(row, "operations").split(separator: ";", omittingEmptySubsequences: true) {
                let code = part.trimmingCharacters(in: .whitespaces)
                guard code.utf8.count == 2, code.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                    throw table.fail(row, "operations", "'\(code)' is not a country code")
                }
                guard countries.contains(code) else {
                    throw table.fail(row, "operations", "operation \(code) is not in operations.csv")
                }
                guard !operations.contains(code) else {
                    throw table.fail(row, "operations", "operation \(code) is listed twice")
                }
                operations.append(code)
            }
            result.append(Airline(prefix: prefix, name: table.value(row, "name"), taxID: table.value(row, "tax_id"), operations: operations))
        }
        return result
    }

    static func parseAgents(_ bytes: [UInt8], file: String, countries: Set<String>) throws(ReferenceDataError) -> [Agent] {
        let table = try Table(bytes, file: file, required: ["country", "agent", "name", "tax_id", "address", "language", "status", "guarantee"])
        var result: [Agent] = []
        var seen: Set<String> = []
        for row in table.rows {
            let country = try table.country(row, "country")
            guard countries.contains(country) else { throw table.fail(row, "country", "operation \(country) is not in operations.csv") }
            let text = table.value(row, "agent")
            guard text.utf8.count == 11, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let code = Int64(text) else {
                throw table.fail(row, "agent", "'\(text)' is not an 11-digit CASS agent code")
            }
            guard CheckDigit.agentCodeIsValid(Int(code)) else {
                throw table.fail(row, "agent", "agent code \(text) has a wrong check digit: the last digit must be \(code / 10 % 7), the first ten digits mod 7")
            }
            guard seen.insert(country + text).inserted else {
                throw table.fail(row, "agent", "agent \(text) is registered twice in operation \(country)")
            }
            guard let status = AgentStatus(rawValue: table.value(row, "status").trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw table.fail(row, "status", "'\(table.value(row, "status"))' is not active, suspended or terminated")
            }
            result.append(Agent(
                country: country, code: code, name: try table.nonEmpty(row, "name"), taxID: table.value(row, "tax_id"),
                address: table.value(row, "address"), language: table.value(row, "language").isEmpty ? "en" : table.value(row, "language"),
                // No guarantee on file is no guarantee: zero, not an error.
                status: status, guaranteeMinor: table.value(row, "guarantee").trimmingCharacters(in: .whitespaces).isEmpty ? 0 : try table.integer(row, "guarantee")))
        }
        return result
    }

    static func parseTaxRules(_ bytes: [UInt8], file: String, countries: Set<String>) throws(ReferenceDataError) -> [TaxRule] {
        let table = try Table(bytes, file: file, required: ["country", "code", "description", "base", "rate", "direction", "valid_from", "valid_to"])
        var result: [TaxRule] = []
        // Per operation: its rules so far, with their lines (to name the
        // earlier of two overlapping rules).
        var byOperation: [String: [(rule: TaxRule, line: Int)]] = [:]
        for row in table.rows {
            let country = try table.country(row, "country")
            guard countries.contains(country) else { throw table.fail(row, "country", "operation \(country) is not in operations.csv") }
            guard byOperation[country, default: []].count < ReferenceData.taxRulesPerOperationMax else {
                throw table.fail(row, "country", "operation \(country) has more than \(ReferenceData.taxRulesPerOperationMax) tax rules; "
                                 + "that is the most an operation may have (every rule that loads applies, so none is dropped: split or retire rules)")
            }
            let code = try table.nonEmpty(row, "code").trimmingCharacters(in: .whitespaces)
            guard let base = TaxBase(rawValue: table.value(row, "base").trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw table.fail(row, "base", "'\(table.value(row, "base"))' is not a tax base (weight, valuation, ocdc, commission, net)")
            }
            guard let direction = TaxDirection(rawValue: table.value(row, "direction").trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw table.fail(row, "direction", "'\(table.value(row, "direction"))' is not charged or credited")
            }
            let rate = try table.integer(row, "rate")
            guard rate <= TaxRule.rateHundredthsPercentMax else {
                throw table.fail(row, "rate", "\(rate) is outside 0-\(TaxRule.rateHundredthsPercentMax): a rate is in hundredths of a percent, 0 % to 100 %")
            }
            let from = try table.date(row, "valid_from")
            var to: CivilDate?
            if !table.value(row, "valid_to").isEmpty {
                let date = try table.date(row, "valid_to")
                guard date >= from else { throw table.fail(row, "valid_to", "\(date) is before valid_from \(from)") }
                to = date
            }
            let rule = TaxRule(country: country, code: code, description: table.value(row, "description"),
                               base: base, rateHundredthsPercent: rate, direction: direction, validFrom: from, validTo: to)
            // Two rules of one tax in force on the same day would both apply:
            // the tax charged (or credited) twice.
            if let clash = byOperation[country, default: []].first(where: { $0.rule.code.uppercased() == code.uppercased() && $0.rule.overlaps(rule) }) {
                throw table.fail(row, "valid_from", "tax \(code) of operation \(country) is already in force on some of these dates "
                                 + "(line \(clash.line): \(clash.rule.validFrom) to \(clash.rule.validTo?.description ?? "open end")); "
                                 + "rules of one code must not overlap")
            }
            byOperation[country, default: []].append((rule, row.line))
            result.append(rule)
        }
        return result
    }
}
