import CASSFileLog
import CASSKafka
import CASSLog
import Foundation

/// The log `cass serve` runs on, opened the same way by every command that
/// works on a service's data: Kafka when brokers are given (`--brokers` or
/// `CASS_BROKERS`, with `-X` properties), else the durable file log in
/// DATA/log. One place, so that `cass users import` can never write to
/// another log than the service it prepares reads.
enum ServiceLog {
    /// The brokers asked for, nil for the embedded file log.
    static func brokers(_ parsed: Arguments) -> String? {
        guard let brokers = parsed.value("--brokers") ?? ProcessInfo.processInfo.environment[KafkaConfig.brokersVariable],
              !brokers.isEmpty else { return nil }
        return brokers
    }

    /// `name` prefixes the progress lines ("serve"). `mustExist`: refuse a
    /// data folder whose file log was never made (a command that only adds
    /// to a service's data must not start an empty one by mistake).
    static func open(data: URL, parsed: Arguments, name: String, mustExist: Bool = false) throws -> any Log {
        if let brokers = brokers(parsed) {
            let config = try KafkaConfig.fromEnvironment(brokers: brokers, overrides: parsed.options["-X"] ?? [])
            let log = try KafkaLog(config: config)
            Console.progress("\(name): Kafka mode, brokers \(brokers); \(data.path) holds caches only")
            return log
        }
        let folder = data.appendingPathComponent("log")
        if mustExist {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ServiceLogError("\(data.path) holds no service data (no \(folder.path)): start `cass serve --data \(data.path) --reference DIR --admin NAME` once first, then stop it")
            }
        }
        // Every topic synced before send returns (group commit): a request
        // answered 2xx survives a power loss, not only a killed process.
        // Consumer commits are flushed (FileLogOptions.service says why).
        let fileLog: FileLog
        do {
            fileLog = try FileLog(directory: folder.path, options: .service)
        } catch let error as LogError where error.message.contains("in use by another process") {
            // The folder lock: one process per log folder, whoever it is.
            throw ServiceLogError("\(error.message). The log of \(data.path) belongs to the process holding it (a running `cass serve`?): "
                                  + "stop it first, or run against Kafka (--brokers) where the service can stay up")
        }
        for line in fileLog.recovery.description.split(separator: "\n") { Console.progress("\(name): log: \(line)") }
        return fileLog
    }

    /// Lets go of the log (the file log's folder lock included).
    static func close(_ log: any Log) throws {
        try (log as? FileLog)?.close()
    }
}

struct ServiceLogError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
