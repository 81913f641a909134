import Foundation

/// Metrics of one worker process, rendered in the Prometheus text exposition
/// format 0.0.4. Counters, gauges and fixed-bucket histograms, each family
/// with any number of labelled series; safe to update from any thread.
public final class MetricsRegistry: @unchecked Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    struct Series {
        var value: Double = 0
        /// Histograms: count per bucket (not cumulative), then sum and count.
        var bucketCounts: [Int64] = []
        var sum: Double = 0
        var count: Int64 = 0
    }

    struct Family {
        var kind: Kind
        var help: String
        var buckets: [Double]
        var series: [MetricLabels: Series] = [:]
    }

    /// Latency buckets in seconds: from a fast in-memory stage step to a slow
    /// PDF rendering or a broker round trip under load.
    public static let latencyBucketsSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let lock = NSLock()
    private var families: [String: Family] = [:]
    private var collectors: [@Sendable () -> Void] = []

    public init() {}

    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        Counter(registry: self, name: name, labels: register(name, kind: .counter, help: help, buckets: [], labels: labels))
    }

    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        Gauge(registry: self, name: name, labels: register(name, kind: .gauge, help: help, buckets: [], labels: labels))
    }

    public func histogram(_ name: String, help: String, buckets: [Double] = MetricsRegistry.latencyBucketsSeconds,
                          labels: [String: String] = [:]) -> Histogram {
        precondition(!buckets.isEmpty && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "buckets must increase: \(buckets)")
        return Histogram(registry: self, name: name, labels: register(name, kind: .histogram, help: help, buckets: buckets, labels: labels))
    }

    /// Runs before every rendering: for values read at scrape time (lag,
    /// seconds since the last poll).
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        lock.withLock { collectors.append(collect) }
    }

    private func register(_ name: String, kind: Kind, help: String, buckets: [Double], labels: [String: String]) -> MetricLabels {
        precondition(MetricsRegistry.isValidName(name), "invalid metric name \(name)")
        for key in labels.keys {
            precondition(MetricsRegistry.isValidLabelName(key) && key != "le", "invalid label name \(key) on \(name)")
        }
        let key = MetricLabels(labels)
        lock.withLock {
            var family = families[name] ?? Family(kind: kind, help: help, buckets: buckets)
            precondition(family.kind == kind, "\(name) is already a \(family.kind.rawValue)")
            precondition(family.buckets == buckets, "\(name) is already registered with buckets \(family.buckets)")
            if family.series[key] == nil {
                family.series[key] = Series(bucketCounts: Array(repeating: 0, count: buckets.count))
            }
            families[name] = family
        }
        return key
    }

    /// Drops one series (a partition this worker no longer owns).
    public func removeSeries(_ name: String, labels: [String: String]) {
        let key = MetricLabels(labels)
        lock.withLock { _ = families[name]?.series.removeValue(forKey: key) }
    }

    func update(_ name: String, _ labels: MetricLabels, _ change: (inout Series, [Double]) -> Void) {
        lock.withLock {
            guard var family = families[name], var series = family.series[labels] else { return }
            change(&series, family.buckets)
            family.series[labels] = series
            families[name] = family
        }
    }

    func read(_ name: String, _ labels: MetricLabels) -> Series? {
        lock.withLock { families[name]?.series[labels] }
    }

    /// The `/metrics` body.
    public func render() -> String {
        let collect = lock.withLock { collectors }
        for collector in collect { collector() }
        let snapshot = lock.withLock { families }
        var out = ""
        for name in snapshot.keys.sorted() {
            guard let family = snapshot[name] else { continue }
            out += "# HELP \(name) \(MetricsRegistry.escapeHelp(family.help))\n"
            out += "# TYPE \(name) \(family.kind.rawValue)\n"
            for labels in family.series.keys.sorted() {
                guard let series = family.series[labels] else { continue }
                switch family.kind {
                case .counter, .gauge:
                    out += "\(name)\(labels.rendered()) \(MetricsRegistry.format(series.value))\n"
                case .histogram:
                    var cumulative: Int64 = 0
                    for (bound, count) in zip(family.buckets, series.bucketCounts) {
                        cumulative += count
                        out += "\(name)_bucket\(labels.rendered(adding: ("le", MetricsRegistry.format(bound)))) \(cumulative)\n"
                    }
                    out += "\(name)_bucket\(labels.rendered(adding: ("le", "+Inf"))) \(series.count)\n"
                    out += "\(name)_sum\(labels.rendered()) \(MetricsRegistry.format(series.sum))\n"
                    out += "\(name)_count\(labels.rendered()) \(series.count)\n"
                }
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_", !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

/// A sorted label set: the identity of one series within a family.
struct MetricLabels: Hashable, Comparable, Sendable {
    let pairs: [LabelPair]

    struct LabelPair: Hashable, Sendable {
        var name: String
        var value: String
    }

    init(_ labels: [String: String]) {
        pairs = labels.keys.sorted().map { LabelPair(name: $0, value: labels[$0] ?? "") }
    }

    static func < (lhs: MetricLabels, rhs: MetricLabels) -> Bool {
        lhs.pairs.map { "\($0.name)=\($0.value)" }.lexicographicallyPrecedes(rhs.pairs.map { "\($0.name)=\($0.value)" })
    }

    func rendered(adding extra: (String, String)? = nil) -> String {
        var all = pairs.map { ($0.name, $0.value) }
        if let extra { all.append(extra) }
        guard !all.isEmpty else { return "" }
        return "{" + all.map { "\($0.0)=\"\(MetricLabels.escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Only goes up: records in and out, rejections, dead letters.
public struct Counter: Sendable {
    let registry: MetricsRegistry
    let name: String
    let labels: MetricLabels

    public func increment(by amount: Int64 = 1) {
        precondition(amount >= 0, "counter \(name) cannot go down")
        registry.update(name, labels) { series, _ in series.value += Double(amount) }
    }

    public var value: Double { registry.read(name, labels)?.value ?? 0 }
}

/// Goes up and down: consumer lag, assigned partitions, seconds since poll.
public struct Gauge: Sendable {
    let registry: MetricsRegistry
    let name: String
    let labels: MetricLabels

    public func set(_ value: Double) { registry.update(name, labels) { series, _ in series.value = value } }
    public func set(_ value: Int64) { set(Double(value)) }
    public func add(_ delta: Double) { registry.update(name, labels) { series, _ in series.value += delta } }

    public var value: Double { registry.read(name, labels)?.value ?? 0 }
}

/// Counts observations per fixed bucket: processing latency in seconds.
public struct Histogram: Sendable {
    let registry: MetricsRegistry
    let name: String
    let labels: MetricLabels

    public func observe(_ value: Double) {
        registry.update(name, labels) { series, buckets in
            if let index = buckets.firstIndex(where: { value <= $0 }) { series.bucketCounts[index] += 1 }
            series.sum += value
            series.count += 1
        }
    }

    /// Observes the seconds `body` takes.
    public func time<T>(_ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { observe(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    public var count: Int64 { registry.read(name, labels)?.count ?? 0 }
}
