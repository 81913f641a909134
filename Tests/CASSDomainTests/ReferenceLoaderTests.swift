import CASSDomain
import Foundation
import XCTest

/// Reference data is loaded whole or refused with file, line and column.
final class ReferenceLoaderTests: XCTestCase {
    var operations = #"""
    country,currency,periods_per_month,remittance_days,dispute_days,language,entity_name,entity_tax_id
    GB,GBP,4,10,30,en,"IATA CASS UK, Ltd",GB123
    JP,JPY,2,15,30,ja,IATA CASS 日本,JP1

    """#
    var airlines = "prefix,name,tax_id,operations\r\n125,British Airways,GB9,GB;JP\r\n131,日本航空,JP9,JP\r\n"
    var agents = #"""
    country,agent,name,tax_id,address,language,status,guarantee
    GB,12345670002,"Transitaire ""Élysée""",FR1,"1 rue de la Paix, Paris",fr,active,100000
    JP,76543210004,日本通運株式会社,JP2,東京都,ja,Suspended,
    GB,11111110006,شركة الصقر,KW1,الكويت,ar,terminated,0
    """#
    var rules = #"""
    country,code,description,base,rate,direction,valid_from,valid_to
    GB,VAT,VAT on commission,commission,2000,credited,2020-01-01,
    JP,CT,消費税,net,1000,charged,2020-01-01,2026-12-31
    """#

    func load() throws(ReferenceDataError) -> ReferenceData {
        try ReferenceLoader.parse(
            operations: (Array(operations.utf8), "operations.csv"), airlines: (Array(airlines.utf8), "airlines.csv"),
            agents: (Array(agents.utf8), "agents.csv"), taxRules: (Array(rules.utf8), "tax-rules.csv"))
    }

    func refusal(file: StaticString = #filePath, line: UInt = #line) -> ReferenceDataError? {
        do {
            _ = try load()
            XCTFail("bad reference data was accepted", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func test_valid_data_loads_with_quoting_scripts_and_crlf() throws {
        let reference = try load()
        XCTAssertEqual(reference.operation("GB")?.entityName, "IATA CASS UK, Ltd")
        XCTAssertEqual(reference.operation("JP")?.minorDigits, 0)
        XCTAssertEqual(reference.agent(12345670002, in: "GB")?.name, "Transitaire \"Élysée\"")
        XCTAssertEqual(reference.agent(12345670002, in: "GB")?.address, "1 rue de la Paix, Paris")
        XCTAssertEqual(reference.agent(76543210004, in: "JP")?.status, .suspended)
        XCTAssertEqual(reference.agent(76543210004, in: "JP")?.guaranteeMinor, 0, "an empty guarantee is none")
        XCTAssertEqual(reference.agent(11111110006, in: "GB")?.name, "شركة الصقر")
        XCTAssertEqual(reference.airline(125)?.operations, ["GB", "JP"])
        XCTAssertTrue(reference.isParticipant(airline: 131, in: "JP"))
        XCTAssertFalse(reference.isParticipant(airline: 131, in: "GB"))
        XCTAssertEqual(reference.taxRules(for: "JP").first?.validTo?.description, "2026-12-31")
    }

    func test_unknown_base_is_refused_naming_file_line_and_column() {
        rules = rules.replacingOccurrences(of: ",net,", with: ",gross,")
        let error = refusal()
        XCTAssertEqual(error?.file, "tax-rules.csv")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 4)
        XCTAssertEqual(error?.columnName, "base")
        XCTAssertTrue(error?.description.contains("tax-rules.csv, line 3, column 4 (base)") ?? false, error?.description ?? "")
    }

    func test_negative_rate_is_refused() {
        rules = rules.replacingOccurrences(of: ",2000,", with: ",-2000,")
        XCTAssertEqual(refusal()?.columnName, "rate")
    }

    func test_bad_dates_are_refused() {
        rules = rules.replacingOccurrences(of: "2020-01-01,2026-12-31", with: "2020-01-01,2026-02-30")
        XCTAssertEqual(refusal()?.columnName, "valid_to")
    }

    func test_valid_to_before_valid_from_is_refused() {
        rules = rules.replacingOccurrences(of: "2020-01-01,2026-12-31", with: "2026-01-01,2025-12-31")
        XCTAssertEqual(refusal()?.columnName, "valid_to")
    }

    func test_duplicate_agent_is_refused() {
        agents += "\nGB,12345670002,Again,X,Y,en,active,0\n"
        let error = refusal()
        XCTAssertEqual(error?.file, "agents.csv")
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.columnName, "agent")
    }

    func test_same_agent_in_two_operations_is_allowed() throws {
        agents += "\nJP,12345670002,Same code elsewhere,X,Y,en,active,0\n"
        XCTAssertNotNil(try load().agent(12345670002, in: "JP"))
    }

    func test_unknown_currency_is_refused() {
        operations = operations.replacingOccurrences(of: "GB,GBP", with: "GB,GBX")
        let error = refusal()
        XCTAssertEqual(error?.file, "operations.csv")
        XCTAssertEqual(error?.line, 2)
        XCTAssertEqual(error?.columnName, "currency")
    }

    func test_unknown_status_and_periods_and_prefix_are_refused() {
        agents = agents.replacingOccurrences(of: ",active,", with: ",sleeping,")
        XCTAssertEqual(refusal()?.columnName, "status")
        agents = agents.replacingOccurrences(of: ",sleeping,", with: ",active,")
        operations = operations.replacingOccurrences(of: "GBP,4,", with: "GBP,3,")
        XCTAssertEqual(refusal()?.columnName, "periods_per_month")
        operations = operations.replacingOccurrences(of: "GBP,3,", with: "GBP,4,")
        airlines = airlines.replacingOccurrences(of: "\r\n131,", with: "\r\n13A,")
        XCTAssertEqual(refusal()?.columnName, "prefix")
    }

    func test_missing_column_and_unclosed_quote_are_refused() {
        agents = agents.replacingOccurrences(of: ",guarantee", with: ",deposit")
        XCTAssertEqual(refusal()?.columnName, "guarantee")
        agents = agents.replacingOccurrences(of: ",deposit", with: ",guarantee").replacingOccurrences(of: "\"1 rue", with: "\"1 rue de")
            .replacingOccurrences(of: "Paris\"", with: "Paris")
        XCTAssertEqual(refusal()?.file, "agents.csv")
    }

    func test_missing_folder_is_refused_naming_the_file() {
        XCTAssertThrowsError(try ReferenceLoader.load(directory: URL(fileURLWithPath: "/nonexistent-\(getpid())"))) { error in
            XCTAssertTrue(String(describing: error).contains("operations.csv"))
        }
    }

    func test_csv_escape_round_trips() throws {
        let fields = ["plain", "a,b", "say \"hi\"", "line\nbreak"]
        let line = fields.map(CSV.escape).joined(separator: ",") + "\n"
        XCTAssertEqual(try CSV.parse(Array(line.utf8), allowingLineBreaks: true).first?.fields, fields)
    }

    // MARK: settlement.md "Reference data files": what loading refuses

    func test_rate_above_100_percent_is_refused_and_100_percent_loads() throws {
        for rate in ["9223372036854775807", "10001", "99999"] {
            rules = rules.replacingOccurrences(of: ",1000,", with: ",\(rate),")
            let error = refusal()
            XCTAssertEqual(error?.file, "tax-rules.csv")
            XCTAssertEqual(error?.line, 3, rate)
            XCTAssertEqual(error?.column, 5, rate)
            XCTAssertEqual(error?.columnName, "rate", rate)
            XCTAssertTrue(error?.description.contains("0-10000") ?? false, error?.description ?? "")
            rules = rules.replacingOccurrences(of: ",\(rate),", with: ",1000,")
        }
        rules = rules.replacingOccurrences(of: ",1000,", with: ",10000,")
        XCTAssertEqual(try load().taxRules(for: "JP").first?.rateHundredthsPercent, 10_000)
        rules = rules.replacingOccurrences(of: ",10000,", with: ",0,")
        XCTAssertEqual(try load().taxRules(for: "JP").first?.rateHundredthsPercent, 0)
    }

    func test_a_65th_rule_of_an_operation_is_refused_naming_its_line() throws {
        var lines = ["country,code,description,base,rate,direction,valid_from,valid_to"]
        for index in 0..<64 { lines.append("GB,T\(index),tax \(index),net,1,charged,2020-01-01,") }
        rules = lines.joined(separator: "\n") + "\n"
        XCTAssertEqual(try load().taxRules(for: "GB").count, 64, "64 rules load, every one of them")
        rules += "JP,CT,other operation,net,1,charged,2020-01-01,\n"
        XCTAssertEqual(try load().taxRules(for: "JP").count, 1, "the limit is per operation")
        rules += "GB,T64,tax 64,net,1,charged,2020-01-01,\n"
        let error = refusal()
        XCTAssertEqual(error?.line, 67)
        XCTAssertEqual(error?.columnName, "country")
        XCTAssertTrue(error?.description.contains("more than 64 tax rules") ?? false, error?.description ?? "")
    }

    func test_two_rules_of_one_code_in_force_on_the_same_day_are_refused() throws {
        // Back to back: a rate change, both load.
        rules += "\nGB,VAT,VAT 25 %,commission,2500,credited,2010-01-01,2019-12-31\n"
        XCTAssertEqual(try load().taxRules(for: "GB").count, 2)
        // One day in common.
        rules += "GB,VAT,VAT again,net,100,charged,2019-12-31,2019-12-31\n"
        let error = refusal()
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.columnName, "valid_from")
        XCTAssertTrue(error?.description.contains("line 4") ?? false, "names the rule it clashes with: \(error?.description ?? "")")
    }

    func test_same_code_overlap_ignores_letter_case_and_other_operations() throws {
        rules += "\nJP,VAT,same code, other operation,net,100,charged,2020-01-01,\n"
        rules = rules.replacingOccurrences(of: "same code, other", with: "same code other")
        XCTAssertNoThrow(try load())
        rules += "GB,vat,open ended,net,100,charged,2030-01-01,\n"
        XCTAssertEqual(refusal()?.line, 5)
    }

    func test_agent_code_with_a_wrong_check_digit_is_refused() {
        agents = agents.replacingOccurrences(of: "76543210004", with: "76543210005")
        let error = refusal()
        XCTAssertEqual(error?.file, "agents.csv")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 2)
        XCTAssertEqual(error?.columnName, "agent")
        XCTAssertTrue(error?.description.contains("check digit") ?? false, error?.description ?? "")
    }

    func test_airline_naming_an_unknown_operation_is_refused() {
        airlines = airlines.replacingOccurrences(of: "GB;JP", with: "GB;FR")
        let error = refusal()
        XCTAssertEqual(error?.file, "airlines.csv")
        XCTAssertEqual(error?.line, 2)
        XCTAssertEqual(error?.column, 4)
        XCTAssertEqual(error?.columnName, "operations")
        XCTAssertTrue(error?.description.contains("FR") ?? false)
    }

    func test_text_that_is_not_utf8_is_refused_with_line_and_column() {
        var bytes = Array(agents.utf8)
        // The Japanese agent's name, second character: a lone continuation byte.
        let at = bytes.firstIndex(of: 0xE6)! // 日
        bytes[at] = 0xFF
        do {
            _ = try ReferenceLoader.parse(operations: (Array(operations.utf8), "operations.csv"), airlines: (Array(airlines.utf8), "airlines.csv"),
                                          agents: (bytes, "agents.csv"), taxRules: (Array(rules.utf8), "tax-rules.csv"))
            XCTFail("invalid UTF-8 was accepted")
        } catch {
            XCTAssertEqual(error.file, "agents.csv")
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.column, 3)
            XCTAssertEqual(error.columnName, "name")
            XCTAssertTrue(error.description.contains("UTF-8"), error.description)
        }
    }

    func test_control_characters_are_refused_wherever_they_are() {
        for control in ["\u{0}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\t", "\r"] {
            let before = operations
            operations = operations.replacingOccurrences(of: "IATA CASS 日本", with: "IATA\(control) CASS 日本")
            let error = refusal()
            XCTAssertEqual(error?.file, "operations.csv", control.debugDescription)
            XCTAssertEqual(error?.line, 3, control.debugDescription)
            XCTAssertEqual(error?.column, 7, control.debugDescription)
            XCTAssertEqual(error?.columnName, "entity_name", control.debugDescription)
            operations = before
        }
        // A line break inside a quoted field is a control character too.
        agents = agents.replacingOccurrences(of: "\"1 rue de la Paix, Paris\"", with: "\"1 rue de la Paix\nParis\"")
        XCTAssertEqual(refusal()?.columnName, "address")
    }

    func test_bank_columns_are_optional_and_read_when_given() throws {
        XCTAssertNil(try load().operation("GB")?.iban)
        operations = """
        country,currency,periods_per_month,remittance_days,dispute_days,language,entity_name,entity_tax_id,bank_name,iban,bic
        GB,GBP,4,10,30,en,CASS UK,GB123,"Barclays Bank, London",GB33BUKB20201555555555,BUKBGB22
        JP,JPY,2,15,30,ja,CASS 日本,JP1,,,

        """
        let reference = try load()
        XCTAssertEqual(reference.operation("GB")?.bankName, "Barclays Bank, London")
        XCTAssertEqual(reference.operation("GB")?.iban, "GB33BUKB20201555555555")
        XCTAssertEqual(reference.operation("GB")?.bic, "BUKBGB22")
        XCTAssertNil(reference.operation("JP")?.bankName)
        XCTAssertNil(reference.operation("JP")?.iban)
    }

    func test_unknown_and_repeated_columns_are_refused() {
        operations = operations.replacingOccurrences(of: "entity_tax_id\n", with: "entity_tax_id,ibna\n")
            .replacingOccurrences(of: ",GB123\n", with: ",GB123,x\n").replacingOccurrences(of: ",JP1\n", with: ",JP1,y\n")
        XCTAssertEqual(refusal()?.columnName, "ibna")
        operations = operations.replacingOccurrences(of: ",ibna\n", with: ",country\n")
        let error = refusal()
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.column, 9)
    }

    func test_bad_reference_data_from_a_folder_changes_nothing_and_names_the_file() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reference-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(operations.utf8).write(to: folder.appendingPathComponent("operations.csv"))
        try Data(airlines.utf8).write(to: folder.appendingPathComponent("airlines.csv"))
        try Data(agents.utf8).write(to: folder.appendingPathComponent("agents.csv"))
        try Data(rules.replacingOccurrences(of: ",1000,", with: ",9223372036854775807,").utf8).write(to: folder.appendingPathComponent("tax-rules.csv"))
        XCTAssertThrowsError(try ReferenceLoader.load(directory: folder)) { error in
            XCTAssertTrue(String(describing: error).contains(folder.appendingPathComponent("tax-rules.csv").path + ", line 3, column 5 (rate)"), "\(error)")
        }
    }
}
