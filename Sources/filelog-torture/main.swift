import CASSFileLog
import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// filelog-torture: appends records to a FileLog as fast as it can and
/// prints one line per acknowledgement, for the crash tests to SIGKILL it
/// at random moments and check that every acknowledged record survived,
/// once. Runs until killed (or `--records` sends).
///
///     filelog-torture DIR RUN [--records N] [--threads T]
///     filelog-torture --recover DIR      open DIR, print what recovery found, close
///
/// Lines printed (each after the acknowledgement it reports):
///     ack <topic> <partition> <id>        a record with value "<id>|..." was acknowledged
///     committed <partition> <offset>      group "torture" committed that offset of torture.synced
/// Ids are "<RUN>-<thread>-<sequence>"; on the compacted topic the key is
/// "k<thread>-<sequence % 5>", so (RUN, sequence) orders a key's values.
let arguments = CommandLine.arguments
// `filelog-torture --recover DIR`: open the folder, print what recovery found, close.
if arguments.count == 3, arguments[1] == "--recover" {
    do {
        var options = FileLogOptions()
        options.logger = { _ in }
        options.backgroundMaintenance = false
        let log = try FileLog(directory: arguments[2], options: options)
        print(log.recovery)
        try log.close()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("filelog-torture: \(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count >= 3, let run = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: filelog-torture DIR RUN [--records N] [--threads T]\n".utf8))
    exit(2)
}
var recordsMax = Int.max, threads = 3
var rest = Array(arguments.dropFirst(3))
while !rest.isEmpty {
    let flag = rest.removeFirst()
    let value = rest.isEmpty ? nil : Int(rest.removeFirst())
    switch (flag, value) {
    case ("--records", let value?): recordsMax = value
    case ("--threads", let value?): threads = value
    default:
        FileHandle.standardError.write(Data("filelog-torture: bad option \(flag)\n".utf8))
        exit(2)
    }
}

/// One write(2) per line: lines from several threads never interleave.
let output = Locked(())
let say: @Sendable (String) -> Void = { line in
    output.withLock { _ in
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(1, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { exit(3) }
                done += n
            }
        }
    }
}

let limit = recordsMax
var options = FileLogOptions()
options.segmentBytes = 64 << 10
options.offsetsSegmentBytes = 16 << 10
options.durability = ["torture.flushed": .flushed(withinMs: 20)]
options.maintenanceIntervalMs = 15
options.compactionDirtyRatioMin = 0.2
options.tombstoneRetentionMs = 0
let log: FileLog
do {
    log = try FileLog(directory: arguments[1], options: options)
    try log.createTopics([
        TopicSpec(name: "torture.synced", partitions: 3),
        TopicSpec(name: "torture.flushed", partitions: 2),
        TopicSpec(name: "torture.compacted", partitions: 1, cleanup: .compact, retentionMs: -1),
    ])
} catch {
    FileHandle.standardError.write(Data("filelog-torture: \(error)\n".utf8))
    exit(1)
}

let sent = Locked(0)
let group = DispatchGroup()
for thread in 0..<threads {
    let log = log
    DispatchQueue.global().async(group: group) {
        do {
            let producer = try log.makeProducer()
            var sequence = 0
            var random = SystemRandomNumberGenerator()
            while sent.withLock({ count in
                guard count < limit else { return false }
                count += 1
                return true
            }) {
                sequence += 1
                let id = "\(run)-\(thread)-\(sequence)"
                // Mostly small records, sometimes one big enough that a kill
                // lands inside its write.
                let padding = Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 4_000...40_000, using: &random) : Int.random(in: 0...200, using: &random)
                let value = Array((id + "|").utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: padding)
                let topic: String, partition: Int32, key: [UInt8]
                switch sequence % 4 {
                case 0, 1:
                    topic = "torture.synced"
                    partition = Int32(sequence % 3)
                    key = Array(id.utf8)
                case 2:
                    topic = "torture.flushed"
                    partition = Int32(thread % 2)
                    key = Array(id.utf8)
                default:
                    topic = "torture.compacted"
                    partition = 0
                    // A key belongs to one thread: its values' order is the thread's.
                    key = Array("k\(thread)-\(sequence % 5)".utf8)
                }
                try producer.send([OutgoingRecord(topic: topic, partition: partition, key: key, value: value)])
                say("ack \(topic) \(partition) \(id)")
            }
        } catch {
            say("error \(error)")
            exit(1)
        }
    }
}
// A consumer that commits what it reads: its commits must survive too.
DispatchQueue.global().async(group: group) {
    do {
        let consumer = try log.makeConsumer(group: "torture", topics: ["torture.synced"], listener: nil)
        while true {
            let records = try consumer.poll(maxRecords: 50, timeoutMs: 100)
            var next: [TopicPartition: Int64] = [:]
            for record in records { next[record.topicPartition] = record.offset + 1 }
            guard !next.isEmpty else {
                if sent.withLock({ $0 >= limit }) { break }
                continue
            }
            try consumer.commit(next)
            for (partition, offset) in next.sorted(by: { $0.key < $1.key }) { say("committed \(partition.partition) \(offset)") }
        }
    } catch {
        say("error \(error)")
        exit(1)
    }
}
group.wait()
do {
    try log.close()
} catch {
    FileHandle.standardError.write(Data("filelog-torture: close: \(error)\n".utf8))
    exit(1)
}
say("done")
