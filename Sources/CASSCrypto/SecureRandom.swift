#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bytes from the kernel's CSPRNG, for salts, tokens and ids.
///
/// On Linux this is getrandom(2) with no flags: it blocks only until the
/// kernel's pool is first initialised, then never. Swift's Glibc module
/// does not import getrandom (its header is not in the module map), so the
/// symbol is looked up in the C library once; glibc has exported it since
/// 2.25 (2017).
public enum SecureRandom {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `count` random bytes. Throws only when the kernel refuses (no
    /// getrandom, or an error other than EINTR): never falls back to a
    /// weaker source.
    public static func bytes(_ count: Int) throws(Failure) -> [UInt8] {
        guard count >= 0 else { throw Failure(description: "random bytes: negative count \(count)") }
        var out = [UInt8](repeating: 0, count: count)
        var failure: Failure?
        out.withUnsafeMutableBytes { buffer in
            do throws(Failure) { try fill(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(Failure) {
        guard var cursor = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let asked = min(remaining, 256)
            let got = try kernelRandom(cursor, asked)
            cursor += got
            remaining -= got
        }
    }

    /// Up to `count` bytes (at most 256: such reads are never short on Linux
    /// unless interrupted, and getentropy's limit on Darwin).
    private static func kernelRandom(_ destination: UnsafeMutableRawPointer, _ count: Int) throws(Failure) -> Int {
        #if canImport(Glibc)
        guard let getrandom = getrandomFunction else {
            throw Failure(description: "random bytes: the C library has no getrandom (glibc 2.25 or later needed)")
        }
        while true {
            let got = getrandom(destination, count, 0)
            if got > 0 { return got }
            let code = errno
            if got < 0 && code == EINTR { continue }
            throw Failure(description: "random bytes: getrandom failed: \(String(cString: strerror(code))) (errno \(code))")
        }
        #else
        guard getentropy(destination, count) == 0 else {
            throw Failure(description: "random bytes: getentropy failed: \(String(cString: strerror(errno)))")
        }
        return count
        #endif
    }

    #if canImport(Glibc)
    private typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int

    private static let getrandomFunction: GetRandom? = {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "getrandom") else { return nil }
        return unsafeBitCast(symbol, to: GetRandom.self)
    }()
    #endif
}
