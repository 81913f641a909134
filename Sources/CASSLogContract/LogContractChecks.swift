import CASSLog
import Foundation

extension LogContract {
    /// The checks, in the order `verify()` runs them.
    public static let checks: [Check] = [
        Check(name: "produce and consume", run: produceAndConsume),
        Check(name: "ordering per partition", run: orderingPerPartition),
        Check(name: "commit and resume", run: commitAndResume),
        Check(name: "groups are independent", run: groupsAreIndependent),
        Check(name: "restore reads to the end", run: restoreReadsToTheEnd),
        Check(name: "markers follow what was sent before them", run: markersFollowWhatCameBefore),
        Check(name: "random read from an offset, bounded", run: randomRead),
        Check(name: "a located send says where each record went, or nothing", run: locatedSend),
        Check(name: "a group shares partitions and hands them over", run: rebalance),
        Check(name: "unknown topics are errors", run: unknownTopics),
    ]

    /// Records sent come back to a group: keys, values, headers, offsets
    /// from 0, nothing from partitions nobody wrote; endOffset counts them.
    static func produceAndConsume(_ c: Context) throws {
        let topic = try c.topic("produce", partitions: 3)
        try c.expectEqual(try c.log.partitionCount(of: topic), 3, "partition count")
        var sent = records(topic, partition: 0, count: 20, tag: "p0") + records(topic, partition: 2, count: 10, tag: "p2")
        sent[3].headers = [LogHeader(name: "cass.error", text: "R07"), LogHeader(name: "empty", value: [])]
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        try producer.send(sent)
        try c.expectEqual(try c.log.endOffset(TopicPartition(topic: topic, partition: 0)), 20, "end offset of partition 0")
        try c.expectEqual(try c.log.endOffset(TopicPartition(topic: topic, partition: 1)), 0, "end offset of an empty partition")
        try c.expectEqual(try c.log.endOffset(TopicPartition(topic: topic, partition: 2)), 10, "end offset of partition 2")
        let consumer = try c.log.makeConsumer(group: c.unique("g"), topics: [topic], listener: nil)
        defer { consumer.close() }
        let got = try c.poll(consumer, count: 30)
        try c.expectEqual(got.count, 30, "records consumed")
        for partition: Int32 in [0, 2] {
            let mine = got.filter { $0.partition == partition }
            let wanted = sent.filter { $0.partition == partition }
            try c.expectEqual(mine.map(\.value), wanted.map(\.value), "values of partition \(partition), in order")
            try c.expectEqual(mine.map(\.key), wanted.map(\.key), "keys of partition \(partition)")
            try c.expectEqual(mine.map(\.offset), (0..<Int64(wanted.count)).map { $0 }, "offsets of partition \(partition)")
            try c.expect(mine.allSatisfy { $0.topic == topic }, "every record names its topic")
        }
        let withHeaders = got.first { $0.value == sent[3].value }
        try c.expectEqual(withHeaders?.header("cass.error"), Array("R07".utf8), "a header's value")
        try c.expectEqual(withHeaders?.header("empty"), [], "an empty header")
        try c.expect(got.first { $0.value == sent[4].value }?.headers.isEmpty == true, "a record without headers has none")
    }

    /// Several sends interleaving partitions: each partition keeps send order.
    static func orderingPerPartition(_ c: Context) throws {
        let topic = try c.topic("order", partitions: 2)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        var expected: [Int32: [[UInt8]]] = [:]
        for round in 0..<10 {
            var batch: [OutgoingRecord] = []
            for index in 0..<7 {
                let partition = Int32((round + index) % 2)
                let value = Array("r\(round)-i\(index)".utf8)
                batch.append(OutgoingRecord(topic: topic, partition: partition, key: [UInt8(index)], value: value))
                expected[partition, default: []].append(value)
            }
            try producer.send(batch)
        }
        let consumer = try c.log.makeConsumer(group: c.unique("g"), topics: [topic], listener: nil)
        defer { consumer.close() }
        let got = try c.poll(consumer, count: 70)
        for partition: Int32 in [0, 1] {
            try c.expectEqual(got.filter { $0.partition == partition }.map(\.value), expected[partition] ?? [], "order of partition \(partition)")
        }
    }

    /// A group resumes at its committed offset; committedOffset reports it.
    static func commitAndResume(_ c: Context) throws {
        let topic = try c.topic("resume", partitions: 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        let group = c.unique("g")
        try c.expectEqual(try c.log.committedOffset(group: group, partition: partition), nil, "committed offset before any commit")
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic, partition: 0, count: 8, tag: "a"))
        let first = try c.log.makeConsumer(group: group, topics: [topic], listener: nil)
        try c.expectEqual(try c.poll(first, count: 8).count, 8, "first member's records")
        try first.commit([partition: 5])
        try c.expectEqual(try c.log.committedOffset(group: group, partition: partition), 5, "committed offset")
        first.close()
        try producer.send(records(topic, partition: 0, count: 2, tag: "b"))
        let second = try c.log.makeConsumer(group: group, topics: [topic], listener: nil)
        defer { second.close() }
        let resumed = try c.poll(second, count: 5)
        try c.expectEqual(resumed.map(\.offset), [5, 6, 7, 8, 9], "offsets after resuming")
    }

    /// Another group reads everything, whatever the first committed.
    static func groupsAreIndependent(_ c: Context) throws {
        let topic = try c.topic("groups", partitions: 1)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic, partition: 0, count: 4, tag: "x"))
        let a = try c.log.makeConsumer(group: c.unique("a"), topics: [topic], listener: nil)
        defer { a.close() }
        try c.expectEqual(try c.poll(a, count: 4).count, 4, "group a's records")
        try a.commit([TopicPartition(topic: topic, partition: 0): 4])
        let b = try c.log.makeConsumer(group: c.unique("b"), topics: [topic], listener: nil)
        defer { b.close() }
        try c.expectEqual(try c.poll(b, count: 4).map(\.offset), [0, 1, 2, 3], "group b reads from the start")
    }

    /// How state is restored: a compacted partition read to its end gives
    /// every retained record in order, the latest value of a key last; and
    /// readAllToEnd of several partitions gives each its own records.
    static func restoreReadsToTheEnd(_ c: Context) throws {
        let topic = try c.topic("state", partitions: 2, cleanup: .compact)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        var sent: [OutgoingRecord] = []
        for version in 0..<3 {
            for key in 0..<5 {
                sent.append(OutgoingRecord(topic: topic, partition: 1, key: Array("entity/\(key)".utf8), value: Array("v\(version)".utf8)))
            }
        }
        sent.append(OutgoingRecord(topic: topic, partition: 1, key: Array("@offset".utf8), value: [9]))
        try producer.send(sent)
        let partition = TopicPartition(topic: topic, partition: 1)
        let read = try c.log.readToEnd(partition)
        try c.expect(!read.isEmpty && read.count <= sent.count, "between 1 and \(sent.count) records read, got \(read.count)")
        try c.expect(zip(read, read.dropFirst()).allSatisfy { $0.offset < $1.offset }, "offsets ascend")
        var latest: [[UInt8]: [UInt8]] = [:]
        for record in read { latest[record.key] = record.value }
        for key in 0..<5 { try c.expectEqual(latest[Array("entity/\(key)".utf8)], Array("v2".utf8), "latest value of entity/\(key)") }
        try c.expectEqual(read.last?.key, Array("@offset".utf8), "the marker, written last, is read last")
        try c.expectEqual(try c.log.readToEnd(TopicPartition(topic: topic, partition: 0)).count, 0, "an empty partition")
        let both = try c.log.readAllToEnd([partition, TopicPartition(topic: topic, partition: 0)])
        try c.expectEqual(both[partition]?.map(\.offset), read.map(\.offset), "readAllToEnd gives the same records")
        try c.expectEqual(both[TopicPartition(topic: topic, partition: 0)]?.count, 0, "readAllToEnd of the empty partition")
    }

    /// A marker sent to every partition arrives on each after everything
    /// sent to it before (how period closes travel).
    static func markersFollowWhatCameBefore(_ c: Context) throws {
        let topic = try c.topic("markers", partitions: 3)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        var before: [OutgoingRecord] = []
        for partition: Int32 in 0..<3 { before += records(topic, partition: partition, count: 3, tag: "before\(partition)") }
        try producer.send(before)
        try producer.send((0..<3).map { OutgoingRecord(topic: topic, partition: Int32($0), key: Array("close".utf8), value: Array("marker".utf8)) })
        try producer.send(records(topic, partition: 1, count: 2, tag: "after"))
        let consumer = try c.log.makeConsumer(group: c.unique("g"), topics: [topic], listener: nil)
        defer { consumer.close() }
        let got = try c.poll(consumer, count: 14)
        try c.expectEqual(got.count, 14, "records consumed")
        for partition: Int32 in 0..<3 {
            let values = got.filter { $0.partition == partition }.map { String(decoding: $0.value, as: UTF8.self) }
            try c.expectEqual(values.firstIndex(of: "marker"), 3, "the marker's place in partition \(partition)")
        }
    }

    /// read(from:maxRecords:) is bounded and starts where asked.
    static func randomRead(_ c: Context) throws {
        let topic = try c.topic("random", partitions: 2)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic, partition: 1, count: 12, tag: "r"))
        let partition = TopicPartition(topic: topic, partition: 1)
        try c.expectEqual(try c.log.read(partition, from: 5, maxRecords: 3).map(\.offset), [5, 6, 7], "three records from offset 5")
        try c.expectEqual(try c.log.read(partition, from: 5, maxRecords: 3).map(\.value), [Array("r-v5".utf8), Array("r-v6".utf8), Array("r-v7".utf8)], "their values")
        try c.expectEqual(try c.log.read(partition, from: 10, maxRecords: 50).map(\.offset), [10, 11], "to the end, no further")
        try c.expectEqual(try c.log.read(partition, from: 12, maxRecords: 5).count, 0, "at the end: nothing")
        try c.expectEqual(try c.log.read(partition, from: 40, maxRecords: 5).count, 0, "past the end: nothing")
        try c.expectEqual(try c.log.read(partition, from: 0, maxRecords: 100).count, 12, "the whole partition")
        try c.expectEqual(try c.log.read(TopicPartition(topic: topic, partition: 0), from: 0, maxRecords: 5).count, 0, "an empty partition")
        try producer.send(records(topic, partition: 1, count: 1, tag: "later"))
        try c.expectEqual(try c.log.read(partition, from: 12, maxRecords: 5).map(\.value), [Array("later-v0".utf8)], "a record written after the first read")
    }

    /// `sendLocated` returns nil (the log cannot tell), or one offset per
    /// record in the order sent, where a read finds that record.
    static func locatedSend(_ c: Context) throws {
        let topic = try c.topic("located", partitions: 2)
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic, partition: 0, count: 3, tag: "before"))
        let sent = zip(records(topic, partition: 0, count: 4, tag: "a"), records(topic, partition: 1, count: 4, tag: "b")).flatMap { [$0, $1] }
        guard let offsets = try producer.sendLocated(sent) else { return }
        try c.expectEqual(offsets, [3, 0, 4, 1, 5, 2, 6, 3], "the offsets of records sent to two partitions after three")
        for (record, offset) in zip(sent, offsets) {
            let found = try c.log.read(TopicPartition(topic: topic, partition: record.partition), from: offset, maxRecords: 1)
            try c.expectEqual(found.first?.value, record.value, "the record at \(record.partition)@\(offset)")
        }
    }

    /// Two members of a group share the partitions (each record to one of
    /// them, `assigned` told before its records come); when one leaves after
    /// committing, the other takes its partitions from the committed offsets.
    static func rebalance(_ c: Context) throws {
        let topic = try c.topic("rebalance", partitions: 4)
        let group = c.unique("g")
        let producer = try c.log.makeProducer()
        defer { producer.close() }
        for partition: Int32 in 0..<4 { try producer.send(records(topic, partition: partition, count: 5, tag: "p\(partition)")) }
        let firstListener = ContractListener(), secondListener = ContractListener()
        let first = try c.log.makeConsumer(group: group, topics: [topic], listener: firstListener)
        var firstGot = try c.poll(first, count: 20)
        try c.expectEqual(firstGot.count, 20, "a lone member reads every partition")
        let second = try c.log.makeConsumer(group: group, topics: [topic], listener: secondListener)
        defer { second.close() }
        // Both poll until the group has settled with partitions on both.
        try c.waitFor("the second member to be assigned partitions") {
            firstGot += try first.poll(maxRecords: 100, timeoutMs: 50)
            _ = try second.poll(maxRecords: 100, timeoutMs: 50)
            return !secondListener.assigned.isEmpty && !firstListener.assigned.isEmpty
        }
        let firstOwns = Set(firstListener.assigned), secondOwns = Set(secondListener.assigned)
        try c.expect(firstOwns.isDisjoint(with: secondOwns), "no partition owned twice: \(firstOwns) and \(secondOwns)")
        // New records go to whichever member owns their partition.
        var sent: [OutgoingRecord] = []
        for partition: Int32 in 0..<4 { sent += records(topic, partition: partition, count: 2, tag: "late\(partition)") }
        try producer.send(sent)
        var late: [LogRecord] = []
        try c.waitFor("the late records") {
            late += try first.poll(maxRecords: 100, timeoutMs: 50).filter { String(decoding: $0.value, as: UTF8.self).hasPrefix("late") }
            let fromSecond = try second.poll(maxRecords: 100, timeoutMs: 50).filter { String(decoding: $0.value, as: UTF8.self).hasPrefix("late") }
            for record in fromSecond { try c.expect(secondOwns.contains(record.topicPartition), "the second member got \(record.topicPartition), which it does not own") }
            late += fromSecond
            return late.count >= 8
        }
        try c.expectEqual(late.count, 8, "each late record once")
        // The first commits everything it owns and leaves: the second takes over from there.
        var commits: [TopicPartition: Int64] = [:]
        for partition in firstOwns { commits[partition] = try c.log.endOffset(partition) }
        try first.commit(commits)
        first.close()
        try producer.send(firstOwns.map { OutgoingRecord(topic: topic, partition: $0.partition, key: [1], value: Array("handover".utf8)) })
        var handed: [LogRecord] = []
        try c.waitFor("the second member to take over the first's partitions") {
            handed += try second.poll(maxRecords: 100, timeoutMs: 50).filter { firstOwns.contains($0.topicPartition) }
            return handed.count >= firstOwns.count
        }
        try c.expectEqual(Set(handed.map { String(decoding: $0.value, as: UTF8.self) }), ["handover"], "only what came after the committed offsets")
        try c.expect(Set(secondListener.assigned).isSuperset(of: firstOwns), "the second member was told of its new partitions")
    }

    /// A topic nobody created is an error: asking about it creates nothing.
    static func unknownTopics(_ c: Context) throws {
        let missing = c.unique("missing")
        var threw = false
        do { _ = try c.log.partitionCount(of: missing) } catch { threw = true }
        try c.expect(threw, "partitionCount of a missing topic must throw")
        threw = false
        do { _ = try c.log.partitionCount(of: missing) } catch { threw = true }
        try c.expect(threw, "asking must not have created the topic")
    }
}
