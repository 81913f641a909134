/// What the engine accepts as ids, names and free text: stated limits
/// (in Unicode scalars, as JSON Schema's maxLength counts), and no control
/// characters (they would reach documents, CSVs and logs).
enum TextRules {
    /// 1-64 characters of `A-Z a-z 0-9 . _ -`: safe in a URL path and a
    /// topic key. The engine's own ids contain `:` so they never collide.
    static func id(_ text: String) throws(AccountsError) {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= AccountsLimits.idMaxCharacters, bytes.allSatisfy(isIDByte) else { throw .invalidID(text) }
    }

    /// A required reason: not blank once trimmed, at most the limit.
    static func reason(_ text: String) throws(AccountsError) -> String {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .reasonRequired }
        guard trimmed.unicodeScalars.count <= AccountsLimits.reasonMaxCharacters else {
            throw .textTooLong(field: "reason", maxCharacters: AccountsLimits.reasonMaxCharacters)
        }
        guard !hasControlCharacters(trimmed) else { throw .controlCharacters(field: "reason") }
        return trimmed
    }

    /// An optional reference (a bank transfer's, a card receipt's).
    static func reference(_ text: String) throws(AccountsError) {
        guard text.unicodeScalars.count <= AccountsLimits.referenceMaxCharacters else {
            throw .textTooLong(field: "reference", maxCharacters: AccountsLimits.referenceMaxCharacters)
        }
        guard !hasControlCharacters(text) else { throw .controlCharacters(field: "reference") }
    }

    /// Who acted: a username, given by the service.
    static func actor(_ text: String) throws(AccountsError) {
        guard !text.isEmpty, text.unicodeScalars.count <= AccountsLimits.actorMaxCharacters, !hasControlCharacters(text) else { throw .invalidActor(text) }
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line ends.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
