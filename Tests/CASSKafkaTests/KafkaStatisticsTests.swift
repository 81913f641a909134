import CASSKafka
import CASSLog
import Foundation
import XCTest

final class KafkaStatisticsTests: XCTestCase {
    func test_consumerLagPerPartitionIsReadFromStatisticsJSON() throws {
        let json = """
        {"name":"cass#consumer-1","type":"consumer","msg_cnt":4,
         "topics":{"cass.records":{"topic":"cass.records","partitions":{
           "0":{"partition":0,"fetch_state":"active","consumer_lag":12,"hi_offset":40,"committed_offset":28},
           "1":{"partition":1,"fetch_state":"none","consumer_lag":-1,"hi_offset":-1,"committed_offset":-1001},
           "2":{"partition":2,"fetch_state":"active","consumer_lag":-1,"hi_offset":5,"committed_offset":-1001},
           "-1":{"partition":-1,"consumer_lag":-1}}}}}
        """
        let statistics = try XCTUnwrap(KafkaStatistics.parse(Data(json.utf8)))
        XCTAssertEqual(statistics.type, "consumer")
        XCTAssertEqual(statistics.queuedMessages, 4)
        XCTAssertEqual(Set(statistics.partitions.keys), [
            TopicPartition(topic: "cass.records", partition: 0), TopicPartition(topic: "cass.records", partition: 2),
        ])
        let first = try XCTUnwrap(statistics.partitions[TopicPartition(topic: "cass.records", partition: 0)])
        XCTAssertEqual(first.consumerLag, 12)
        XCTAssertEqual(first.highWatermark, 40)
        XCTAssertEqual(first.committedOffset, 28)
        let unknown = try XCTUnwrap(statistics.partitions[TopicPartition(topic: "cass.records", partition: 2)])
        XCTAssertNil(unknown.consumerLag)
        XCTAssertNil(unknown.committedOffset)
    }

    func test_malformedStatisticsAreIgnored() {
        XCTAssertNil(KafkaStatistics.parse(Data("not json".utf8)))
    }
}
