/// Every compiled-in translation table, by language tag. Adding a language:
/// copy `en.swift`, translate the values, and list it here and in
/// `Translations.supported`.
enum TranslationTables {
    static let all: [String: String] = [
        "en": en, "fr": fr, "es": es, "de": de, "zh-Hans": zhHans, "ja": ja, "ko": ko, "ar": ar,
    ]
}
