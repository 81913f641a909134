import CASSCrypto
import CASSNotify
import XCTest

/// The webhook signature header over the CASSCrypto HMAC.
final class WebhookSignatureTests: XCTestCase {
    func test_signatureVerification_rejectsTamperedBodyOrWrongSecret() {
        let body = Array("{\"a\":1}".utf8)
        let header = WebhookDelivery.signature(body: body, secret: "s3cret")
        XCTAssertTrue(header.hasPrefix("sha256="))
        XCTAssertEqual(header.count, 7 + 64)
        XCTAssertTrue(WebhookDelivery.verify(signature: header, body: body, secret: "s3cret"))
        XCTAssertFalse(WebhookDelivery.verify(signature: header, body: Array("{\"a\":2}".utf8), secret: "s3cret"))
        XCTAssertFalse(WebhookDelivery.verify(signature: header, body: body, secret: "other"))
        XCTAssertFalse(WebhookDelivery.verify(signature: "sha256=zz", body: body, secret: "s3cret"))
    }
}
