/// A language the portal speaks. Users and companies carry one of these
/// tags; anything else is refused rather than silently shown in English.
public struct Language: Sendable, Hashable {
    public static let supported = ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]

    public let tag: String

    /// Matches a supported tag, ignoring case (`zh-hans` is `zh-Hans`).
    public init?(_ text: String) {
        guard let match = Language.supported.first(where: { $0.lowercased() == text.lowercased() }) else { return nil }
        tag = match
    }
}
