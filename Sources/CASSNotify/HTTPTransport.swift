import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What came back from one HTTP request.
public enum HTTPResult: Sendable, Hashable {
    case response(status: Int)
    /// No answer: refused, reset, timed out, DNS.
    case failure(String)
}

/// One HTTP POST, blocking. A protocol so simulations can inject faults
/// without a network.
public protocol HTTPTransport: Sendable {
    func post(url: URL, headers: [(name: String, value: String)], body: [UInt8], timeoutMs: Int) -> HTTPResult
}

/// `HTTPTransport` over URLSession (FoundationNetworking on Linux). The
/// calling thread waits on a semaphore: stage workers are plain threads
/// that poll, call, produce and commit in order.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    // URLSession is thread-safe; @unchecked because it is not marked Sendable on Linux.
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func post(url: URL, headers: [(name: String, value: String)], body: [UInt8], timeoutMs: Int) -> HTTPResult {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: Double(max(1, timeoutMs)) / 1000)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        for header in headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            if let error {
                box.set(.failure(error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                box.set(.response(status: http.statusCode))
            } else {
                box.set(.failure("no HTTP response"))
            }
            done.signal()
        }
        task.resume()
        // URLSession enforces the timeout; the extra margin only guards
        // against a task that never calls back.
        if done.wait(timeout: .now() + .milliseconds(timeoutMs + 5_000)) == .timedOut {
            task.cancel()
            return .failure("no answer within \(timeoutMs) ms")
        }
        return box.get() ?? .failure("no result")
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: HTTPResult?

    func set(_ result: HTTPResult) { lock.withLock { value = result } }
    func get() -> HTTPResult? { lock.withLock { value } }
}

/// A redirected POST may be replayed as a GET elsewhere and still answer
/// 200: the receiver would never see the event. A 3xx is reported as it is
/// and treated as final, so someone fixes the URL.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
