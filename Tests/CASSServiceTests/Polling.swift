import Foundation
import XCTest

extension XCTestCase {
    /// Polls a JSON resource until `done` holds (at most 60 s): what the
    /// service's pipeline and views do after a request answers is seen
    /// this way, never by a fixed sleep.
    func waitFor(_ client: APIClient, _ path: String, _ done: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(60)
        while true {
            let answer = try client.get(path)
            if answer.status == 200, done(answer.json) { return answer.json }
            guard Date() < deadline else { throw APIClient.Failure(description: "\(path) never got there: \(answer)") }
            usleep(20_000)
        }
    }
}
