import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AccessRecord {
    /// The longest path an access log line keeps (in Unicode scalars); a
    /// longer one is cut and ends with "...". The server refuses heads over
    /// 16 KiB, so a path never makes a line longer than about 1.5 KiB.
    public static let logPathScalarsMax = 1024
    /// The longest user name a line keeps (usernames are shorter: see
    /// docs/service.md, Users).
    public static let logUserScalarsMax = 128

    /// One JSON line, ending in a newline, for an access log: when the
    /// answer ended (UTC, milliseconds), the peer, the user the request was
    /// authenticated as (null when none), the method, the path as sent
    /// (without its query), the matched route's pattern (null for 404/405
    /// and answers sent before a head was read), the status, the bytes
    /// sent and the milliseconds the request took.
    public func jsonLine(endedAtMs: Int64) -> String {
        var line = "{\"time\":\"" + Self.timestamp(ms: endedAtMs) + "\""
        line += ",\"remote\":" + Self.quoted(remoteAddress, max: 64)
        line += ",\"user\":" + (user.map { Self.quoted($0, max: Self.logUserScalarsMax) } ?? "null")
        line += ",\"method\":" + Self.quoted(method, max: 32)
        line += ",\"path\":" + Self.quoted(rawPath, max: Self.logPathScalarsMax)
        line += ",\"route\":" + (route.map { Self.quoted($0, max: 256) } ?? "null")
        line += ",\"status\":\(status),\"bytes\":\(bytesSent)"
        line += ",\"ms\":" + String(format: "%.3f", Double(durationNanoseconds) / 1e6)
        return line + "}\n"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static func timestamp(ms: Int64) -> String {
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = Int(parts.tm_year) + 1900
        let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        let millisText = String(repeating: "0", count: 3 - String(millis).count) + String(millis)
        return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }

    /// A JSON string (`JSONText.string`) of at most `max` scalars of
    /// `text`, "..." appended when cut.
    static func quoted(_ text: String, max: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > max else { return JSONText.string(text) }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(max))
        return JSONText.string(String(cut) + "...")
    }
}
