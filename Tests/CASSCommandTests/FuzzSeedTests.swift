import Foundation
import XCTest

/// The fuzz targets' seed corpora replayed through the plain builds of the
/// targets (docs/fuzzing.md): every seed, valid or hostile, must get a
/// verdict without trapping and keep the target's invariants. CI's short
/// fuzzing run starts from these seeds; this keeps them good between runs,
/// and a reader change that breaks one shows here in the ordinary suite.
final class FuzzSeedTests: XCTestCase {
    func test_every_seed_of_every_target_replays_cleanly() throws {
        let corpora = CommandRunner.repo.appendingPathComponent("Fuzz/corpus")
        let targets = try FileManager.default.contentsOfDirectory(atPath: CommandRunner.repo.appendingPathComponent("Sources").path)
            .filter { $0.hasPrefix("fuzz-") }.map { String($0.dropFirst("fuzz-".count)) }.sorted()
        XCTAssertTrue(targets.contains("reference"), "the reference loader has a fuzz target: \(targets)")
        for target in targets {
            let binary = CommandRunner.repo.appendingPathComponent(".build/debug/fuzz-\(target)")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                throw XCTSkip("no built fuzz-\(target); run `swift build` first")
            }
            let folder = corpora.appendingPathComponent(target)
            let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0).path }
            XCTAssertFalse(seeds.isEmpty, "fuzz-\(target) has a seed corpus")
            let result = try CommandRunner.run(executable: binary, seeds, timeoutSeconds: 120)
            XCTAssertEqual(result.status, 0, "fuzz-\(target): \(result.stderr)")
            XCTAssertEqual(result.stdout.split(separator: "\n").count, seeds.count, "fuzz-\(target) replayed every seed: \(result.stdout)")
        }
    }
}
