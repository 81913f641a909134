import CASSAccess
import CASSDomain
import Foundation

/// The service's one clock. "Today" is the UTC date, or `CASS_TODAY`
/// (YYYY-MM-DD) when set, so tests and demonstrations move business time
/// between restarts; instants (session expiry, audit, history) are the
/// wall clock, shifted by whole days when `CASS_TODAY` is set so that they
/// agree with today.
public struct ServiceClock: Sendable {
    let fixedToday: CivilDate?
    let now: @Sendable () -> Instant

    public init(todayOverride: CivilDate?, now: @escaping @Sendable () -> Instant = ServiceClock.wallClock) {
        self.fixedToday = todayOverride
        self.now = now
    }

    /// From the environment: `CASS_TODAY` if set (an error names it when
    /// it is not a real date).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceClock {
        guard let text = environment["CASS_TODAY"], !text.isEmpty else { return ServiceClock(todayOverride: nil) }
        guard let date = CivilDate(iso: Substring(text)) else {
            throw ServiceError("CASS_TODAY must be a date YYYY-MM-DD, found '\(text)'")
        }
        return ServiceClock(todayOverride: date)
    }

    public static let wallClock: @Sendable () -> Instant = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(millisecondsSince1970: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// The instant, on the day `today` names (the time of day is the wall clock's).
    public func instant() -> Instant {
        let wall = now()
        guard let fixed = fixedToday else { return wall }
        let shiftDays = Int64(fixed.dayNumber - wall.date.dayNumber)
        return wall.adding(milliseconds: shiftDays * 86_400_000)
    }

    public func today() -> CivilDate { fixedToday ?? now().date }
}

/// A failure to start or run the service, said as a sentence.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
