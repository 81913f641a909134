import CASSKafka
import CASSLog
import XCTest

final class KafkaConfigTests: XCTestCase {
    func test_environmentVariableNamesBecomeLibrdkafkaProperties() {
        let properties = KafkaConfig.environmentProperties([
            "CASS_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CASS_KAFKA_SECURITY_PROTOCOL": "ssl",
            "CASS_BROKERS": "ignored:9092",
            "HOME": "/root",
        ])
        XCTAssertEqual(properties, ["session.timeout.ms": "6000", "security.protocol": "ssl"])
    }

    func test_brokersFlagWinsOverEnvironment() throws {
        let config = try KafkaConfig.fromEnvironment(brokers: "flag:9092", environment: ["CASS_BROKERS": "env:9092"])
        XCTAssertEqual(config.brokers, "flag:9092")
        let fromEnvironment = try KafkaConfig.fromEnvironment(brokers: nil, environment: ["CASS_BROKERS": "env:9092"])
        XCTAssertEqual(fromEnvironment.brokers, "env:9092")
    }

    func test_missingBrokersIsAnErrorSayingWhatToDo() {
        XCTAssertThrowsError(try KafkaConfig.fromEnvironment(brokers: nil, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("CASS_BROKERS"), "\(error)")
            XCTAssertEqual((error as? LogError)?.isTransient, false)
        }
    }

    func test_dashXOverridesWinOverEnvironmentAndKeepEqualsInValues() throws {
        let config = try KafkaConfig.fromEnvironment(
            brokers: "b:1", overrides: ["linger.ms=20", "sasl.jaas.config=a=b"],
            environment: ["CASS_KAFKA_LINGER_MS": "1"])
        XCTAssertEqual(config.properties["linger.ms"], "20")
        XCTAssertEqual(config.properties["sasl.jaas.config"], "a=b")
    }

    func test_dashXWithoutEqualsIsRejected() {
        XCTAssertThrowsError(try KafkaConfig.parseOverride("linger.ms"))
        XCTAssertThrowsError(try KafkaConfig.parseOverride("=5"))
    }

    func test_unknownLibrdkafkaPropertyFailsNamingIt() {
        let config = KafkaConfig(brokers: "127.0.0.1:1", properties: ["no.such.property": "1"])
        XCTAssertThrowsError(try KafkaProducer(config: config)) { error in
            XCTAssertTrue("\(error)".contains("no.such.property"), "\(error)")
        }
    }

    func test_librdkafkaAtRunTimeIsAtLeastTheSupportedMinimum() {
        XCTAssertGreaterThanOrEqual(Librdkafka.version, Librdkafka.minimumVersion, Librdkafka.versionString)
    }

    func test_errorsSayOperationTopicPartitionAndOffset() {
        let error = KafkaError(code: -192, operation: "produce", reason: "Local: Message timed out", topic: "cass.records",
                               partition: 3, offset: 17)
        XCTAssertEqual(error.description, "kafka produce cass.records[3] offset 17: Local: Message timed out [transient, will be retried]")
        XCTAssertTrue(error.logError.isTransient)
    }

    func test_overridesThatWouldBreakTheGuaranteesAreRefusedNamingTheirSource() {
        let refused = [
            "enable.auto.commit=true", "enable.auto.offset.store=true", "isolation.level=read_uncommitted",
            "enable.idempotence=false", "acks=1", "request.required.acks=0", "auto.offset.reset=latest",
            "transactional.id=x", "group.id=mine", "auto.commit.enable=true",
        ]
        for override in refused {
            XCTAssertThrowsError(try KafkaConfig.fromEnvironment(brokers: "b:1", overrides: [override], environment: [:]), override) { error in
                XCTAssertTrue("\(error)".contains("-X \(override) is refused"), "\(error)")
                XCTAssertEqual((error as? LogError)?.isTransient, false)
            }
        }
        XCTAssertThrowsError(try KafkaConfig.fromEnvironment(brokers: "b:1", environment: ["CASS_KAFKA_ENABLE_AUTO_COMMIT": "true"])) { error in
            XCTAssertTrue("\(error)".contains("CASS_KAFKA_ENABLE_AUTO_COMMIT=true is refused"), "\(error)")
        }
        XCTAssertThrowsError(try KafkaConfig.fromEnvironment(brokers: "b:1", environment: ["CASS_KAFKA_ISOLATION_LEVEL": "read_uncommitted"]))
    }

    func test_theSafeValuesOfGuardedPropertiesAreAccepted() throws {
        let config = try KafkaConfig.fromEnvironment(
            brokers: "b:1", overrides: ["enable.auto.commit=false", "acks=all", "enable.idempotence=true", "isolation.level=read_committed", "auto.offset.reset=earliest"],
            environment: ["CASS_KAFKA_ACKS": "-1"])
        XCTAssertEqual(config.properties["acks"], "all")
    }

    func test_guardedPropertiesSetInCodeAreRefusedWhenAClientIsMade() {
        let config = KafkaConfig(brokers: "127.0.0.1:1", properties: ["enable.idempotence": "false"])
        XCTAssertThrowsError(try KafkaProducer(config: config)) { error in
            XCTAssertTrue("\(error)".contains("enable.idempotence=false is refused"), "\(error)")
        }
    }
}
