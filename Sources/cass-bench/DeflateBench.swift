import CASSRender
import CASSWorkers
import Foundation

/// `cass-bench deflate`: Deflate.zlib (what PDF content streams go
/// through) on content-stream-like text, and Deflate.compress (what XLSX
/// parts go through) on worksheet-like XML: MB/s of input and the size
/// ratio of each. The inputs are generated (fixed seed): streams of 8-56
/// KiB shaped like the invoice PDFs' pages (text objects with a font, a
/// position and a hex string of glyph ids, rules and fills), and sheets of
/// 4-200 rows shaped like an invoice worksheet (cells with references,
/// styles, numbers and shared strings). `--rounds N` runs a fixed number of
/// rounds instead of a time (for callgrind: the same work every run).
/// A benchmark, not a test: it judges nothing.
enum DeflateBench {
    static func run(_ arguments: [String]) -> Int32 {
        var seconds = 2.0
        var fixedRounds: Int?
        var args = arguments
        while !args.isEmpty {
            let arg = args.removeFirst()
            switch arg {
            case "--seconds":
                guard let v = args.first.flatMap({ Double($0) }), v > 0, v <= 600 else { return usage("--seconds needs a number of seconds up to 600") }
                args.removeFirst(); seconds = v
            case "--rounds":
                guard let v = args.first.flatMap({ Int($0) }), v > 0, v <= 10_000 else { return usage("--rounds needs a number from 1 to 10000") }
                args.removeFirst(); fixedRounds = v
            default: return usage("unknown option \(arg)")
            }
        }
        measure("zlib, content-stream-like", contentStreams(), seconds: seconds, rounds: fixedRounds) { Deflate.zlib($0) }
        measure("raw, worksheet-like", worksheets(), seconds: seconds, rounds: fixedRounds) { Deflate.compress($0) }
        return 0
    }

    static func measure(_ name: String, _ inputs: [[UInt8]], seconds: Double, rounds fixedRounds: Int?, _ compress: ([UInt8]) -> [UInt8]) {
        let total = inputs.reduce(0) { $0 + $1.count }
        // FNV-1a over every output: a change that should keep the bytes
        // shows here first (the same value before and after).
        var fingerprint: UInt64 = 0xCBF2_9CE4_8422_2325
        var compressed = 0
        for input in inputs {
            let output = compress(input)
            compressed += output.count
            for byte in output { fingerprint = (fingerprint ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        var rounds = 0
        var sink = 0
        // The process's CPU time as well as the wall time: on a shared
        // machine the wall time mostly measures the other processes.
        let began = DispatchTime.now().uptimeNanoseconds, cpuBegan = ProcessMemory.cpuSeconds()
        var elapsed = 0.0
        repeat {
            for input in inputs { sink &+= compress(input).count & 1 }
            rounds += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        } while fixedRounds.map { rounds < $0 } ?? (elapsed < seconds)
        let cpu = ProcessMemory.cpuSeconds() - cpuBegan
        print(String(format: "deflate (%@) on %d inputs, %.1f MB: %.1f MB/s of input per CPU second (%.1f per wall second), %.2f %% of the size, output FNV-1a %016llx (%d rounds, %.2f s, load %@)%@",
                     name, inputs.count, Double(total) / 1e6, Double(total * rounds) / 1e6 / max(cpu, 1e-9), Double(total * rounds) / 1e6 / elapsed,
                     100 * Double(compressed) / Double(max(total, 1)), fingerprint, rounds, elapsed, CloseDocumentsBench.loadAverage(), sink < 0 ? "." : ""))
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

    static func worksheets() -> [[UInt8]] {
        var state: UInt64 = 7
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        var sheets: [[UInt8]] = []
        for _ in 0..<64 {
            var text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
            for row in 1...(4 + next(196)) {
                text += "<row r=\"\(row)\">"
                for (k, column) in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"].enumerated() {
                    if k < 3 {
                        text += "<c r=\"\(column)\(row)\" s=\"\(1 + next(3))\" t=\"s\"><v>\(next(400))</v></c>"
                    } else {
                        text += "<c r=\"\(column)\(row)\" s=\"4\"><v>\(next(1_000_000)).\(next(100))</v></c>"
                    }
                }
                text += "</row>"
            }
            text += "</sheetData></worksheet>"
            sheets.append(Array(text.utf8))
        }
        return sheets
    }

    static func usage(_ problem: String) -> Int32 {
        FileHandle.standardError.write(Data("cass-bench deflate: \(problem)\nusage: cass-bench deflate [--seconds S | --rounds N]\n".utf8))
        return 2
    }
}
