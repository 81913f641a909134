import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The public events under the crash simulation (CrashSimulationTests):
/// workers of every stage, the publish stage included, die at random
/// between writing and committing. A consumer that dedupes by id must see
/// exactly the events of a run without crashes: every id there, no id for
/// another fact, and (but for file events, which carry the time they were
/// published) the same bytes.
final class PublicEventsCrashTests: XCTestCase {
    func events(_ pipeline: EmbeddedPipeline) throws -> [(id: String, type: String, bytes: [UInt8])] {
        try pipeline.publicEvents().map { bytes in
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            return (try XCTUnwrap(object["id"] as? String), try XCTUnwrap(object["type"] as? String), bytes)
        }
    }

    func test_crashes_and_replays_publish_each_event_under_its_own_id() throws {
        let (reference, files, periods) = try CrashSimulationTests(name: "dataset", testClosure: { _ in }).dataset(seed: 99)
        let clean = try EmbeddedPipeline(reference: reference, keepLines: true, publishesEvents: true)
        try clean.submit(files)
        try clean.close(periods)
        try clean.drain()
        let expected = Dictionary(try events(clean).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in
            XCTFail("a clean run published \(first.id) twice")
            return first
        })
        XCTAssertGreaterThan(expected.count, 100)

        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true, persistState: true, publishesEvents: true)
        let environment = StageEnvironment(reference: reference, persistState: true, keepLines: true)
        let chaos = CrashSimulationTests.Chaos(seed: 5, oneIn: 20)
        func worker(_ stage: StageDefinition) throws -> StageWorker {
            let worker = try StageWorker(stage, environment: environment, log: pipeline.log)
            worker.faultInjector = { (_: StageName, _: FaultPoint) -> Bool in chaos.strike() }
            worker.maxBatch = 3
            return worker
        }
        var workers = try (Pipeline.settlement + [PublishStage.definition]).flatMap { stage in try (0..<2).map { _ in try worker(stage) } }
        pipeline.closeWorkers()
        try pipeline.submit(files)
        try pipeline.close(periods)
        var quiet = 0, rounds = 0
        while quiet < 2 {
            rounds += 1
            // A hard stop: an assertion alone would let a run that never
            // goes quiet spin until CI's time runs out.
            guard rounds < 200_000 else {
                XCTFail("the run did not go quiet in 200,000 rounds")
                break
            }
            var handled = 0
            for index in workers.indices {
                do {
                    handled += try workers[index].step()
                } catch is SimulatedCrash {
                    let stage = workers[index].definition
                    workers[index].abandon()
                    workers[index] = try worker(stage)
                    handled += 1
                }
            }
            quiet = handled == 0 ? quiet + 1 : 0
        }
        XCTAssertGreaterThan(chaos.crashes, 5, "the simulation must actually crash workers")

        let got = try events(pipeline)
        var seen: [String: [UInt8]] = [:]
        for event in got {
            guard let first = expected[event.id] else { XCTFail("\(event.id) is not an event of the clean run"); continue }
            if !event.type.hasPrefix("org.opencass.file.") {
                XCTAssertEqual(event.bytes, first.bytes, "\(event.id) differs from the clean run's")
            }
            if let earlier = seen[event.id], !event.type.hasPrefix("org.opencass.file.") {
                XCTAssertEqual(earlier, event.bytes, "\(event.id) re-sent with other content")
            }
            seen[event.id] = event.bytes
        }
        XCTAssertEqual(Set(seen.keys), Set(expected.keys), "after dedupe by id: exactly the clean run's events")
    }
}
