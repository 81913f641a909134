import CASSCrypto
@testable import CASSNotify
import Foundation
import XCTest

/// Standard Webhooks signatures: `v1,` base64 HMAC-SHA256 of
/// `id.timestamp.body`, and verification that refuses old timestamps.
final class WebhookSignatureTests: XCTestCase {
    // The Standard Webhooks reference vector (the libraries' own test).
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp: Int64 = 1_614_265_330
    let body = Array(#"{"test": 2432232314}"#.utf8)

    func headers(signature: String? = nil, timestamp stamp: String? = nil) -> [String: String] {
        ["webhook-id": id, "webhook-timestamp": stamp ?? String(timestamp),
         "webhook-signature": signature ?? WebhookDelivery.signature(id: id, timestamp: timestamp, body: body, secret: secret)]
    }

    var signedAt: Date { Date(timeIntervalSince1970: TimeInterval(timestamp)) }

    func test_signature_matchesTheReferenceVector() {
        XCTAssertEqual(WebhookDelivery.signature(id: id, timestamp: timestamp, body: body, secret: secret), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    func test_verify_acceptsAFreshSignature_inAnyHeaderCase_amongOthers() {
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: body, secret: secret, now: signedAt), .valid)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: body, secret: secret, now: signedAt.addingTimeInterval(299)), .valid)
        var upper: [String: String] = [:]
        for (name, value) in headers() { upper[name.uppercased()] = value }
        XCTAssertEqual(WebhookDelivery.verify(headers: upper, body: body, secret: secret, now: signedAt), .valid)
        let rotated = "v1,bm90IHRoZSBvbmU= " + (headers()["webhook-signature"] ?? "")
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(signature: rotated), body: body, secret: secret, now: signedAt), .valid)
    }

    func test_verify_refusesOldAndFutureTimestamps_soACapturedRequestCannotBeReplayed() {
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: body, secret: secret, now: signedAt.addingTimeInterval(301)), .timestampOutOfTolerance(seconds: 301))
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: body, secret: secret, now: signedAt.addingTimeInterval(-301)), .timestampOutOfTolerance(seconds: -301))
        // The timestamp is signed: moving it forward breaks the signature.
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(timestamp: String(timestamp + 400)), body: body, secret: secret, now: signedAt.addingTimeInterval(400)),
                       .signatureMismatch)
    }

    func test_verify_refusesTamperingAndMalformedHeaders() {
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: Array(#"{"test": 2432232315}"#.utf8), secret: secret, now: signedAt), .signatureMismatch)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(), body: body, secret: "whsec_" + Data("other key".utf8).base64EncodedString(), now: signedAt), .signatureMismatch)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(signature: "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), body: body, secret: secret, now: signedAt), .signatureMismatch)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(signature: "v1,%%%"), body: body, secret: secret, now: signedAt), .signatureMismatch)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(timestamp: "16142653.30"), body: body, secret: secret, now: signedAt), .malformedTimestamp)
        XCTAssertEqual(WebhookDelivery.verify(headers: headers(timestamp: "99999999999999999999"), body: body, secret: secret, now: signedAt), .malformedTimestamp)
        var missing = headers()
        missing["webhook-id"] = nil
        XCTAssertEqual(WebhookDelivery.verify(headers: missing, body: body, secret: secret, now: signedAt), .missingHeader("webhook-id"))
    }

    func test_plainSecrets_areTheirUTF8Bytes() {
        let expected = "v1," + Data(HMACSHA256.authenticationCode(key: Array("s3cret".utf8), message: Array("\(id).\(timestamp).".utf8) + body)).base64EncodedString()
        XCTAssertEqual(WebhookDelivery.signature(id: id, timestamp: timestamp, body: body, secret: "s3cret"), expected)
    }
}
