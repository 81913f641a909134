import CASSRender
import Foundation

/// `cass-bench deflate`: Deflate.zlib (what PDF content streams go
/// through) on content-stream-like text, MB/s of input and the size ratio.
/// The text is generated (fixed seed), shaped like the invoice PDFs'
/// streams: text objects with a font, a position and a hex string of
/// glyph ids, rules and fills, in streams of 8-56 KiB as a page has.
/// A benchmark, not a test: it judges nothing.
enum DeflateBench {
    static func run(_ arguments: [String]) -> Int32 {
        var seconds = 2.0
        var args = arguments
        while !args.isEmpty {
            let arg = args.removeFirst()
            switch arg {
            case "--seconds":
                guard let v = args.first.flatMap({ Double($0) }), v > 0, v <= 600 else { return usage("--seconds needs a number of seconds up to 600") }
                args.removeFirst(); seconds = v
            default: return usage("unknown option \(arg)")
            }
        }
        let streams = contentStreams()
        let total = streams.reduce(0) { $0 + $1.count }
        var compressed = 0
        for stream in streams { compressed += Deflate.zlib(stream).count }
        var rounds = 0
        // The process's CPU time as well as the wall time: on a shared
        // machine the wall time mostly measures the other processes.
        let began = DispatchTime.now().uptimeNanoseconds, cpuBegan = cpuSeconds()
        var elapsed = 0.0
        repeat {
            for stream in streams { compressed &+= Deflate.zlib(stream).count & 1 }
            rounds += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        } while elapsed < seconds
        let cpu = cpuSeconds() - cpuBegan
        print(String(format: "deflate (zlib) on %d content-stream-like streams, %.1f MB: %.1f MB/s of input per CPU second (%.1f per wall second), %.1f %% of the size (%d rounds, %.2f s, load %@)",
                     streams.count, Double(total) / 1e6, Double(total * rounds) / 1e6 / max(cpu, 1e-9), Double(total * rounds) / 1e6 / elapsed,
                     100 * Double(streams.reduce(0) { $0 + Deflate.zlib($1).count }) / Double(max(total, 1)), rounds, elapsed, CloseDocumentsBench.loadAverage()))
        return 0
    }

    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func contentStreams() -> [[UInt8]] {
        var state: UInt64 = 42
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        var streams: [[UInt8]] = []
        for _ in 0..<48 {
            let size = 8192 + Int(next(49152))
            var text = ""
            var y = 791.89
            while text.utf8.count < size {
                if next(6) == 0 { text += "0.85 g 36 \(y) 523.28 20 re f\n0.50 G 0.50 w 36 \(y) m 559.28 \(y) l S\n" }
                text += "BT 0 g\n/F\(1 + next(2)) \(["6.50", "8", "8.50"][Int(next(3))]) Tf 1 0 0 1 \(36 + next(500)).\(next(100)) \(y) Tm <"
                for _ in 0..<(4 + next(30)) { text += "00" + String(0x10 + next(0x4A), radix: 16, uppercase: true) }
                text += "> Tj\nET\n"
                y = y > 40 ? y - 11.5 : 791.89
            }
            streams.append(Array(text.utf8))
        }
        return streams
    }

    static func usage(_ problem: String) -> Int32 {
        FileHandle.standardError.write(Data("cass-bench deflate: \(problem)\nusage: cass-bench deflate [--seconds S]\n".utf8))
        return 2
    }
}
