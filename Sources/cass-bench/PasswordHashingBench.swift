import CASSCrypto
import Foundation

/// `cass-bench --pbkdf2`: what one login's password check costs, i.e. one
/// PBKDF2-HMAC-SHA256 derivation at the service's iteration count. Five
/// runs after a warm-up; the minimum is the figure least disturbed by
/// other processes on the machine.
func benchPasswordHashing(runs: Int = 5) -> Int32 {
    let iterations = PBKDF2.recommendedIterations
    let salt = [UInt8](repeating: 7, count: 16)
    do {
        _ = try PBKDF2.deriveKey(password: "warm-up password", salt: salt, iterations: 1000)
        var seconds: [Double] = []
        for run in 0..<runs {
            let began = DispatchTime.now().uptimeNanoseconds
            _ = try PBKDF2.deriveKey(password: "correct horse battery \(run)", salt: salt, iterations: iterations)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
        }
        seconds.sort()
        let compressions = Double(iterations * 2)
        print(String(format: "PBKDF2-HMAC-SHA256, %d iterations, 32-byte key: min %.3f s, median %.3f s over %d runs (%.0f ns per SHA-256 compression, %.1f logins/s per core)",
                     iterations, seconds[0], seconds[seconds.count / 2], runs, seconds[0] / compressions * 1e9, 1 / seconds[0]))
        return 0
    } catch {
        FileHandle.standardError.write(Data("cass-bench: \(error)\n".utf8))
        return 1
    }
}
