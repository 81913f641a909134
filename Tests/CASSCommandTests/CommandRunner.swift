import Foundation
import XCTest

/// Runs the built `cass` (and other programs) as a user would, and reads
/// output folders the way a checker of settlement.md would.
enum CommandRunner {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var cass: URL {
        get throws {
            for candidate in [".build/debug/cass", ".build/release/cass"] {
                let url = repo.appendingPathComponent(candidate)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            throw XCTSkip("no built cass binary; run `swift build` first")
        }
    }

    struct Finished {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
    }

    /// Starts `cass ARGS`; the caller waits (or kills).
    static func start(_ arguments: [String], stdout: URL, stderr: URL) throws -> Process {
        let process = Process()
        process.executableURL = try cass
        process.arguments = arguments
        process.environment = inheritedEnvironment
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return process
    }

    /// The test process's environment without the broker: CI exports
    /// CASS_BROKERS for the Kafka tests, and a command under test must not
    /// switch to Kafka mode (or share a cluster with other tests) unless
    /// the test asks for it.
    static var inheritedEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CASS_BROKERS"] = nil
        return environment
    }

    /// Runs `cass ARGS` to the end (killed after `timeoutSeconds`).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeoutSeconds: Double = 300) throws -> Finished {
        try run(executable: try cass, arguments, environment: environment, timeoutSeconds: timeoutSeconds)
    }

    static func run(executable: URL, _ arguments: [String], environment: [String: String] = [:], timeoutSeconds: Double = 300) throws -> Finished {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-run-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = inheritedEnvironment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let started = Date()
        try process.run()
        let deadline = started.addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("cass \(arguments.joined(separator: " ")) did not finish in \(timeoutSeconds) s")
        }
        process.waitUntilExit()
        return Finished(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(started))
    }

    static func temporaryFolder(_ test: XCTestCase, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cass-cmd-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A copy of the shipped samples' reference data and input.
    static func samples(into folder: URL) throws -> (reference: URL, input: URL) {
        let reference = folder.appendingPathComponent("reference"), input = folder.appendingPathComponent("input")
        try FileManager.default.copyItem(at: repo.appendingPathComponent("samples/reference"), to: reference)
        try FileManager.default.copyItem(at: repo.appendingPathComponent("samples/input"), to: input)
        return (reference, input)
    }

    /// Every regular file below `folder` (relative paths), hidden ones too.
    static func files(under folder: URL) -> [String] {
        var result: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(path)
            }
        }
        return result.sorted()
    }

    struct Manifest {
        var files: [String: (size: Int, sha256: String)]
        var skipped: [String: String]
    }

    static func manifest(_ folder: URL) throws -> Manifest {
        let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var files: [String: (Int, String)] = [:]
        for entry in try XCTUnwrap(object["files"] as? [[String: Any]]) {
            files[try XCTUnwrap(entry["path"] as? String)] = (try XCTUnwrap(entry["size"] as? Int), try XCTUnwrap(entry["sha256"] as? String))
        }
        var skipped: [String: String] = [:]
        for entry in try XCTUnwrap(object["skippedInput"] as? [[String: Any]]) {
            skipped[try XCTUnwrap(entry["name"] as? String)] = try XCTUnwrap(entry["reason"] as? String)
        }
        return Manifest(files: files, skipped: skipped)
    }

    /// settlement.md: the folder holds exactly the manifest's files (and
    /// the manifest), each of the stated size and SHA-256 (checked with
    /// coreutils' sha256sum, an implementation apart from ours).
    static func assertFolderMatchesManifest(_ folder: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let manifest = try manifest(folder)
        let onDisk = files(under: folder).filter { $0 != "manifest.json" }
        XCTAssertEqual(onDisk, manifest.files.keys.sorted(), "the folder holds exactly the manifest's files", file: file, line: line)
        let paths = manifest.files.keys.sorted()
        for start in stride(from: 0, to: paths.count, by: 200) {
            let chunk = Array(paths[start..<min(paths.count, start + 200)])
            let sums = try run(executable: URL(fileURLWithPath: "/usr/bin/sha256sum"), ["--"] + chunk.map { folder.appendingPathComponent($0).path })
            XCTAssertEqual(sums.status, 0, sums.stderr, file: file, line: line)
            for (index, row) in sums.stdout.split(separator: "\n").enumerated() where index < chunk.count {
                XCTAssertEqual(String(row.prefix(64)), manifest.files[chunk[index]]?.sha256, chunk[index], file: file, line: line)
            }
        }
        for path in paths {
            let size = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)[.size] as? Int) ?? -1
            XCTAssertEqual(size, manifest.files[path]?.size, path, file: file, line: line)
        }
    }
}
