import CASSLog
import CASSWorkers
import Foundation
import XCTest

final class ProcessMemoryTests: XCTestCase {
    /// The kernel's names of the process's threads (/proc/self/task/*/comm).
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    func test_glibc_takes_the_settings_and_freed_memory_can_be_given_back() throws {
        #if os(Linux)
        XCTAssertTrue(ProcessMemory.keepFreedMemory(), "glibc takes every setting")
        // 64 MiB in blocks under the 32 MiB heap limit, touched and freed:
        // kept by the process until released, then given back.
        var blocks: [[UInt8]] = (0..<8).map { _ in [UInt8](repeating: 1, count: 8 << 20) }
        XCTAssertEqual(blocks.reduce(0) { $0 + Int($1[100]) }, 8)
        let held = ProcessMemory.residentBytes()
        XCTAssertGreaterThan(held, 64 << 20)
        blocks.removeAll()
        let afterFree = ProcessMemory.residentBytes()
        XCTAssertTrue(ProcessMemory.releaseFreedMemory(), "there was freed memory to give back")
        let afterRelease = ProcessMemory.residentBytes()
        XCTAssertLessThan(afterRelease, afterFree - (32 << 20), "released: \(afterFree) -> \(afterRelease) bytes resident")
        #endif
    }

    /// The split adds up to the total; work on this thread shows as user
    /// time; a child's CPU counts for the children once it is waited for.
    func test_cpu_times_split_user_and_system_and_count_children_waited_for() throws {
        let before = ProcessMemory.cpuTimes()
        let until = ProcessMemory.cpuSeconds() + 0.05
        var spin = 0
        while ProcessMemory.cpuSeconds() < until { spin &+= 1 }
        let after = ProcessMemory.cpuTimes()
        XCTAssertGreaterThan(spin, 0)
        XCTAssertGreaterThan(after.user, before.user)
        XCTAssertGreaterThanOrEqual(after.system, before.system)
        XCTAssertEqual(after.user + after.system, ProcessMemory.cpuSeconds(), accuracy: 0.05)
        #if os(Linux)
        let children = ProcessMemory.childrenCPUTimes()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // About 0.1 s of a shell's CPU, whatever the machine.
        child.arguments = ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"]
        try child.run()
        child.waitUntilExit()
        let waited = ProcessMemory.childrenCPUTimes()
        XCTAssertGreaterThan(waited.user + waited.system, children.user + children.system)
        #endif
    }

    func test_the_environment_can_keep_glibcs_defaults() {
        XCTAssertFalse(ProcessMemory.keepFreedMemoryUnlessDisabled(["CASS_KEEP_FREED_MEMORY": "0"]))
        #if os(Linux)
        XCTAssertTrue(ProcessMemory.keepFreedMemoryUnlessDisabled([:]))
        #endif
    }

    func test_a_burst_ends_with_an_interval_of_rest_after_enough_work() {
        var options = IdleMemoryRelease.Options()
        options.intervalSeconds = 5
        options.burstCPUSeconds = 2
        options.idleShare = 0.05
        XCTAssertTrue(IdleMemoryRelease.endsBurst(intervalCPU: 0.1, sinceRelease: 3, options: options))
        XCTAssertFalse(IdleMemoryRelease.endsBurst(intervalCPU: 0.25, sinceRelease: 3, options: options), "0.25 s of 5 is not rest")
        XCTAssertFalse(IdleMemoryRelease.endsBurst(intervalCPU: 0.1, sinceRelease: 1.9, options: options), "too little work since the last release")
        XCTAssertFalse(IdleMemoryRelease.endsBurst(intervalCPU: 3, sinceRelease: 30, options: options), "still working")
    }

    func test_the_release_thread_releases_after_a_burst_and_stops_promptly() throws {
        var options = IdleMemoryRelease.Options()
        options.intervalSeconds = 0.2
        options.burstCPUSeconds = 0.05
        options.idleShare = 0.5
        let releases = Locked(0)
        let release = IdleMemoryRelease(options: options) { _ in releases.withLock { $0 += 1 } }
        release.start()
        // A burst: at least 0.05 s of CPU on this thread, then rest.
        let until = ProcessMemory.cpuSeconds() + 0.1
        var spin = 0
        while ProcessMemory.cpuSeconds() < until { spin &+= 1 }
        let deadline = Date().addingTimeInterval(20)
        while releases.withLock({ $0 }) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertGreaterThanOrEqual(releases.withLock { $0 }, 1, "released once the burst was over (\(spin) spins)")
        #if os(Linux)
        XCTAssertTrue(Self.threadNames().contains("cass-memory"), "named for the kernel: \(Self.threadNames())")
        #endif
        let stopped = Date()
        release.stop()
        Thread.sleep(forTimeInterval: 0.3)
        let after = releases.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(releases.withLock { $0 }, after, "nothing after stop")
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 5)
    }
}
