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
    GB,12345670001,"Transitaire ""Élysée""",FR1,"1 rue de la Paix, Paris",fr,active,100000
    JP,76543210001,日本通運株式会社,JP2,東京都,ja,Suspended,
    GB,11111110001,شركة الصقر,KW1,الكويت,ar,terminated,0
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
        XCTAssertEqual(reference.agent(12345670001, in: "GB")?.name, "Transitaire \"Élysée\"")
        XCTAssertEqual(reference.agent(12345670001, in: "GB")?.address, "1 rue de la Paix, Paris")
        XCTAssertEqual(reference.agent(76543210001, in: "JP")?.status, .suspended)
        XCTAssertEqual(reference.agent(76543210001, in: "JP")?.guaranteeMinor, 0, "an empty guarantee is none")
        XCTAssertEqual(reference.agent(11111110001, in: "GB")?.name, "شركة الصقر")
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
        agents += "\nGB,12345670001,Again,X,Y,en,active,0\n"
        let error = refusal()
        XCTAssertEqual(error?.file, "agents.csv")
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.columnName, "agent")
    }

    func test_same_agent_in_two_operations_is_allowed() throws {
        agents += "\nJP,12345670001,Same code elsewhere,X,Y,en,active,0\n"
        XCTAssertNotNil(try load().agent(12345670001, in: "JP"))
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
        XCTAssertEqual(try CSV.parse(Array(line.utf8)).first?.fields, fields)
    }
}
