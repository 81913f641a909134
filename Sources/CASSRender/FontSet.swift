import Foundation

/// The fonts a document may draw with, in fallback order: for each
/// character the first font that has a glyph for it is used. Latin (with a
/// bold face), then Arabic, then Chinese and Japanese, then Korean Hangul.
/// Parsed once and shared: documents only read it.
public final class FontSet: Sendable {
    public let regular: [TrueTypeFont]
    public let bold: [TrueTypeFont]
    /// Subsets built once and shared by every document (PreparedFonts).
    let prepared = PreparedFonts()

    /// `regular` and `bold` are fallback chains of the same length or not;
    /// bold falls back to the regular chain for scripts it lacks.
    public init(regular: [TrueTypeFont], bold: [TrueTypeFont]) {
        self.regular = regular
        self.bold = bold
    }

    /// A font the renderer wants, where Debian installs it, and the package that does.
    public struct Wanted: Sendable {
        public let role: String
        public let fileNames: [String]
        public let package: String
    }

    public static let wantedRegular: [Wanted] = [
        Wanted(role: "Latin", fileNames: ["NotoSans-Regular.ttf", "DejaVuSans.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Arabic", fileNames: ["NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Chinese and Japanese", fileNames: ["DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"], package: "fonts-droid-fallback"),
        // Droid Sans Fallback has no Hangul syllables; Nanum Gothic has (glyf outlines).
        Wanted(role: "Korean Hangul", fileNames: ["NanumGothic.ttf"], package: "fonts-nanum"),
        Wanted(role: "symbols", fileNames: ["DejaVuSans.ttf"], package: "fonts-dejavu-core"),
    ]
    public static let wantedBold: [Wanted] = [
        Wanted(role: "Latin bold", fileNames: ["NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Arabic bold", fileNames: ["NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf"], package: "fonts-noto-core"),
    ]

    /// Finds and parses the installed fonts (searching /usr/share/fonts by
    /// default). A missing font is an error naming the apt package to install.
    public static func locate(searchPaths: [String] = ["/usr/share/fonts", "/usr/local/share/fonts"]) throws -> FontSet {
        var files: [String: String] = [:]
        let manager = FileManager.default
        for root in searchPaths {
            guard let walker = manager.enumerator(atPath: root) else { continue }
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if files[name] == nil { files[name] = root + "/" + relative }
            }
        }
        var parsed: [String: TrueTypeFont] = [:]
        func load(_ wanted: [Wanted], required: Bool) throws -> [TrueTypeFont] {
            var chain: [TrueTypeFont] = []
            for want in wanted {
                guard let path = want.fileNames.lazy.compactMap({ files[$0] }).first else {
                    if required {
                        throw FontError.notInstalled("no \(want.role) font found (\(want.fileNames.joined(separator: " or ")) under \(searchPaths.joined(separator: ", "))): install it with `apt-get install \(want.package)` (or run scripts/install-deps)")
                    }
                    continue
                }
                if let font = parsed[path] { chain.append(font); continue }
                guard let data = manager.contents(atPath: path) else { throw FontError.notInstalled("cannot read \(path)") }
                let font = try TrueTypeFont(bytes: [UInt8](data))
                parsed[path] = font
                chain.append(font)
            }
            return chain
        }
        let regular = try load(wantedRegular, required: true)
        let bold = try load(wantedBold, required: false)
        return FontSet(regular: regular, bold: bold + regular.dropFirst())
    }

    func chain(bold isBold: Bool) -> [TrueTypeFont] { isBold && !bold.isEmpty ? bold : regular }
}
