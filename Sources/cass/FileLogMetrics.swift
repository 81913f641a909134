import CASSFileLog
import CASSLog
import CASSWorkers

/// `cass serve --metrics-port` on the embedded log (no broker): what the
/// log has written, fsync'd, rolled and released from the page cache, and
/// how many problems its background work (flushes, compaction, retention)
/// has met. Read from the log's counters when scraped.
enum FileLogMetrics {
    static func follow(_ log: FileLog, in registry: MetricsRegistry) {
        // Counters only go up: each scrape adds what changed since the last.
        let seen = Locked(FileLogStatistics())
        registry.addCollector {
            let now = log.statistics
            let before = seen.withLock { last -> FileLogStatistics in
                defer { last = now }
                return last
            }
            func add(_ name: String, _ help: String, _ delta: Int64) {
                registry.counter(name, help: help).increment(by: max(0, delta))
            }
            add("cass_serve_log_appends_total", "Writes of record batches to the embedded log's segments.", Int64(now.appends - before.appends))
            add("cass_serve_log_records_total", "Records written to the embedded log.", Int64(now.records - before.records))
            add("cass_serve_log_bytes_total", "Bytes written to the embedded log's segments.", now.bytes - before.bytes)
            add("cass_serve_log_fsyncs_total", "fdatasync calls of the embedded log (group commits, rolls).", Int64(now.fsyncs - before.fsyncs))
            add("cass_serve_log_segment_rolls_total", "Segments closed and new ones started.", Int64(now.rolls - before.rolls))
            add("cass_serve_log_released_bytes_total", "Bytes every consumer group had read, dropped from the page cache.",
                now.releasedBytes - before.releasedBytes)
            registry.gauge("cass_serve_log_background_problems", help: "Errors the log's background work (flushes, compaction, retention) has met, at most 16 kept; the log says which.")
                .set(Int64(log.backgroundProblems.count))
        }
    }
}
