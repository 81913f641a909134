import CASSFileLog
import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cass-bench filelog`: the durable embedded log on this machine's disk.
/// fsync cost alone; appends with group commit at several concurrency
/// levels (each sender waits for its fsync'd acknowledgement, as a request
/// does); batched appends (as a stage writes); appends to a `.flushed`
/// topic; reads. A benchmark, not a test: it judges nothing.
enum FileLogBench {
    static let help = """
    Usage: cass-bench filelog [--records N] [--value-bytes B] [--concurrency 1,4,16,64] [--dir PATH]

      --records N       records per measurement (default 20000)
      --value-bytes B   bytes per record value (default 200)
      --concurrency L   numbers of concurrent senders (default 1,4,16,64)
      --dir PATH        where the log is kept (default: a new folder in the temporary directory, removed after)

    Build it in release mode for real figures: swift run -c release cass-bench filelog
    """

    static func run(_ arguments: [String]) -> Int32 {
        var records = 20_000, valueBytes = 200, levels = [1, 4, 16, 64]
        var directory: String?
        var args = arguments
        while !args.isEmpty {
            let arg = args.removeFirst()
            guard arg != "--help", arg != "-h" else { print(help); return 0 }
            guard let value = args.isEmpty ? nil : args.removeFirst() else {
                FileHandle.standardError.write(Data("cass-bench filelog: \(arg) needs a value\n\n\(help)\n".utf8))
                return 2
            }
            switch arg {
            case "--records": records = max(100, Int(value) ?? records)
            case "--value-bytes": valueBytes = max(0, Int(value) ?? valueBytes)
            case "--concurrency": levels = value.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            case "--dir": directory = value
            default:
                FileHandle.standardError.write(Data("cass-bench filelog: unknown option \(arg)\n\n\(help)\n".utf8))
                return 2
            }
        }
        let root = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("cass-bench-filelog-\(getpid())").path
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            print("cass-bench filelog: \(records) records of \(valueBytes)-byte values per measurement, in \(root)")
            try measureFsync(in: root)
            let log = try FileLog(directory: root + "/log", options: FileLogOptions())
            defer { try? log.close() }
            print("\nappends, one record per send, each sender waiting for its acknowledgement (synced: fsync'd, group commit):")
            for (number, level) in levels.enumerated() {
                try appendOneByOne(log, topic: "synced-\(number)", senders: level, records: records, valueBytes: valueBytes)
            }
            print("\nappends, batches of 512 records per send (as a stage writes its outputs), synced:")
            try appendBatches(log, topic: "batched", partitions: 1, records: records * 10, valueBytes: valueBytes)
            try appendBatches(log, topic: "batched-8", partitions: 8, records: records * 10, valueBytes: valueBytes)
            print("\nappends to a topic flushed within 100 ms (send returns once written; fsync in the background):")
            var flushedOptions = FileLogOptions()
            flushedOptions.defaultDurability = .flushed(withinMs: 100)
            try log.close()
            let flushedLog = try FileLog(directory: root + "/log", options: flushedOptions)
            defer { try? flushedLog.close() }
            for (number, level) in [1, levels.max() ?? 16].enumerated() {
                try appendOneByOne(flushedLog, topic: "flushed-\(number)", senders: level, records: records, valueBytes: valueBytes)
            }
            print("\nreads (page cache warm):")
            try measureReads(flushedLog, topic: "batched", valueBytes: valueBytes)
        } catch {
            FileHandle.standardError.write(Data("cass-bench filelog: \(error)\n".utf8))
            return 1
        }
        return 0
    }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// What one fsync of a small append costs on this disk, without the log.
    static func measureFsync(in root: String) throws {
        let path = root + "/fsync-probe"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError("cannot create \(path)") }
        defer { close(fd); unlink(path) }
        let block = [UInt8](repeating: 0x61, count: 256)
        let count = 500
        var started = DispatchTime.now().uptimeNanoseconds
        for index in 0..<count { _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(index * 256)) } }
        let writeOnly = seconds(since: started) / Double(count)
        var latencies: [Double] = []
        started = DispatchTime.now().uptimeNanoseconds
        for index in 0..<count {
            let one = DispatchTime.now().uptimeNanoseconds
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t((count + index) * 256)) }
            fdatasync(fd)
            latencies.append(seconds(since: one))
        }
        let synced = seconds(since: started) / Double(count)
        latencies.sort()
        print(String(format: "fsync cost: a 256-byte append takes %.1f µs written, %.0f µs written and fdatasync'd (p50 %.0f µs, p99 %.0f µs): at most %.0f fsyncs/s",
                     writeOnly * 1e6, synced * 1e6, percentile(latencies, 0.5) * 1e6, percentile(latencies, 0.99) * 1e6, 1 / synced))
    }

    static func appendOneByOne(_ log: FileLog, topic: String, senders: Int, records: Int, valueBytes: Int) throws {
        try log.createTopics([TopicSpec(name: topic, partitions: 1)])
        let value = [UInt8](repeating: 0x76, count: valueBytes)
        let before = log.statistics
        let next = Locked(0)
        let latencies = Locked<[Double]>([])
        let failure = Locked<String?>(nil)
        let group = DispatchGroup()
        let started = DispatchTime.now().uptimeNanoseconds
        for sender in 0..<senders {
            let thread = Thread {
                defer { group.leave() }
                do {
                    let producer = try log.makeProducer()
                    var mine: [Double] = []
                    while true {
                        let index = next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard index < records else { break }
                        let one = DispatchTime.now().uptimeNanoseconds
                        try producer.send([OutgoingRecord(topic: topic, partition: 0, key: Array("\(sender)-\(index)".utf8), value: value)])
                        mine.append(seconds(since: one))
                    }
                    latencies.withLock { $0 += mine }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
            group.enter()
            thread.start()
        }
        group.wait()
        let wall = seconds(since: started)
        if let failure = failure.withLock({ $0 }) { throw LogError(failure) }
        let after = log.statistics
        let fsyncs = after.fsyncs - before.fsyncs
        let bytes = Double(after.bytes - before.bytes)
        let sorted = latencies.withLock { $0 }.sorted()
        print(String(format: "  %3d sender(s): %9.0f records/s, %6.1f MB/s, %6d fsyncs (%.1f records per fsync), send p50 %.2f ms, p99 %.2f ms",
                     senders, Double(records) / wall, bytes / wall / 1e6, fsyncs, Double(records) / Double(max(1, fsyncs)),
                     percentile(sorted, 0.5) * 1e3, percentile(sorted, 0.99) * 1e3))
    }

    static func appendBatches(_ log: FileLog, topic: String, partitions: Int32, records: Int, valueBytes: Int) throws {
        try log.createTopics([TopicSpec(name: topic, partitions: partitions)])
        let producer = try log.makeProducer()
        let value = [UInt8](repeating: 0x76, count: valueBytes)
        let before = log.statistics
        let started = DispatchTime.now().uptimeNanoseconds
        var sent = 0
        while sent < records {
            let count = min(512, records - sent)
            try producer.send((0..<count).map { OutgoingRecord(topic: topic, partition: Int32((sent + $0) % Int(partitions)), key: Array("k\(sent + $0)".utf8), value: value) })
            sent += count
        }
        let wall = seconds(since: started)
        let after = log.statistics
        print(String(format: "  1 sender, %d partition(s): %9.0f records/s, %6.1f MB/s, %d fsyncs, %d segment rolls",
                     partitions, Double(records) / wall, Double(after.bytes - before.bytes) / wall / 1e6, after.fsyncs - before.fsyncs, after.rolls - before.rolls))
    }

    static func measureReads(_ log: FileLog, topic: String, valueBytes: Int) throws {
        let partition = TopicPartition(topic: topic, partition: 0)
        var started = DispatchTime.now().uptimeNanoseconds
        let all = try log.readToEnd(partition)
        var wall = seconds(since: started)
        let bytes = Double(all.reduce(0) { $0 + $1.key.count + $1.value.count })
        print(String(format: "  readToEnd: %d records in %.3f s, %9.0f records/s, %6.1f MB/s of keys and values",
                     all.count, wall, Double(all.count) / wall, bytes / wall / 1e6))
        let consumer = try log.makeConsumer(group: "bench-reader", topics: [topic], listener: nil)
        defer { consumer.close() }
        started = DispatchTime.now().uptimeNanoseconds
        var read = 0
        while read < all.count {
            let batch = try consumer.poll(maxRecords: 512, timeoutMs: 1000)
            if batch.isEmpty { break }
            read += batch.count
        }
        wall = seconds(since: started)
        print(String(format: "  consumer poll (512 per poll): %d records in %.3f s, %9.0f records/s", read, wall, Double(read) / wall))
        started = DispatchTime.now().uptimeNanoseconds
        var random = SystemRandomNumberGenerator()
        let lookups = 10_000
        for _ in 0..<lookups {
            _ = try log.read(partition, from: Int64.random(in: 0..<Int64(all.count), using: &random), maxRecords: 1, maxBytes: 1 << 20)
        }
        wall = seconds(since: started)
        print(String(format: "  random reads of one record: %9.0f reads/s (%.1f µs each)", Double(lookups) / wall, wall / Double(lookups) * 1e6))
    }
}
