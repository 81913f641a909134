@testable import CASSService
import CASSPortal
import Foundation
import XCTest

/// The portal over real HTTP: sign-in with the session cookie, cross-site
/// requests refused (Origin and CSRF token), the pages' headers and
/// languages, and the user forms refusing what the API refuses.
final class PortalRoutesTests: XCTestCase {
    static let password = "correct horse battery"

    func testSignInSetsAStrictHttpOnlyCookieAndSignOutEndsTheSession() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let browser = BrowserClient(port: harness.port)
        let login = try browser.get("/login")
        XCTAssertEqual(login.status, 200)
        XCTAssertTrue(login.text.contains("name=\"username\""))
        XCTAssertTrue(login.text.contains("name=\"password\""))
        XCTAssertNotNil(browser.csrfToken)
        XCTAssertEqual(login.header("Content-Security-Policy"), PortalSecurity.contentSecurityPolicy)
        XCTAssertEqual(login.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(login.header("Referrer-Policy"), "same-origin")
        XCTAssertEqual(login.header("Cache-Control"), "no-store")
        XCTAssertTrue(login.text.contains("<html lang=\"en\" dir=\"ltr\""))

        let wrong = try browser.post("/login", [("username", "root"), ("password", "not the password at all")])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertTrue(wrong.text.contains("value=\"root\""), "the username is kept")
        XCTAssertFalse(wrong.text.contains("not the password at all"), "a password is never echoed")
        XCTAssertNil(browser.cookies["cass_session"])

        let signedIn = try browser.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)])
        XCTAssertEqual(signedIn.status, 303, signedIn.description)
        XCTAssertEqual(signedIn.header("Location"), "/statistics", "the operator starts on its statistics")
        let cookie = try XCTUnwrap(signedIn.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("cass_session=") }?.1)
        XCTAssertTrue(cookie.contains("HttpOnly"))
        XCTAssertTrue(cookie.contains("SameSite=Strict"))
        XCTAssertTrue(cookie.contains("Path=/"))
        XCTAssertFalse(cookie.contains("Secure"), "plain HTTP without a TLS proxy: not Secure")
        let token = try XCTUnwrap(browser.cookies["cass_session"])
        XCTAssertNil(browser.cookies["cass_login"], "the sign-in nonce is spent")

        // The same session as the API's: the cookie's token is a bearer token.
        XCTAssertEqual(try APIClient(port: harness.port, token: token).get("/api/v1/users/me").status, 200)
        let account = try browser.get("/account")
        XCTAssertEqual(account.status, 200)
        XCTAssertTrue(account.text.contains("root"))
        XCTAssertEqual(try browser.get("/").header("Location"), "/statistics")

        let out = try browser.post("/logout", [])
        XCTAssertEqual(out.status, 303)
        XCTAssertEqual(out.header("Location"), "/login")
        XCTAssertNil(browser.cookies["cass_session"])
        XCTAssertEqual(try APIClient(port: harness.port, token: token).get("/api/v1/users/me").status, 401, "the session is over")
        let notice = try browser.get("/login")
        XCTAssertTrue(notice.text.contains("notice"), "signed out is said once")
        XCTAssertNil(browser.cookies["cass_notice"])
    }

    func testSecureCookieBehindATLSProxyAndTheReturnPath() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let browser = BrowserClient(port: harness.port)
        let away = try browser.get("/users?company=cass")
        XCTAssertEqual(away.status, 303)
        XCTAssertEqual(away.header("Location"), "/login?next=%2Fusers%3Fcompany%3Dcass")
        browser.origin = "https://cass.example.com"
        try browser.get("/login", headers: [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "cass.example.com")])
        let answer = try browser.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword), ("next", "/users?company=cass")],
                                      headers: [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "cass.example.com")])
        XCTAssertEqual(answer.status, 303, answer.description)
        XCTAssertEqual(answer.header("Location"), "/users?company=cass")
        let cookie = answer.headers.first { $0.1.hasPrefix("cass_session=") }?.1 ?? ""
        XCTAssertTrue(cookie.contains("Secure"))
        // A next that leaves the site is dropped.
        let other = BrowserClient(port: harness.port)
        let offsite = try other.signIn("root", ServiceHarness.adminPassword, next: "//evil.example/x")
        XCTAssertEqual(offsite.header("Location"), "/statistics")
    }

    func testCrossSiteStateChangesAreRefused() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        // Sign-in without its nonce cookie, or with another form's token.
        let noCookie = BrowserClient(port: harness.port)
        try noCookie.get("/login")
        let token = try XCTUnwrap(noCookie.csrfToken)
        noCookie.cookies = [:]
        XCTAssertEqual(try noCookie.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword), ("csrf", token)]).status, 403)
        let forged = BrowserClient(port: harness.port)
        try forged.get("/login")
        XCTAssertEqual(try forged.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword), ("csrf", token)]).status, 403)
        // Another origin, no origin at all, and Origin: null.
        let evil = BrowserClient(port: harness.port)
        try evil.get("/login")
        let evilToken = evil.csrfToken
        evil.origin = "http://evil.example"
        XCTAssertEqual(try evil.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)], csrf: evilToken).status, 403)
        evil.origin = nil
        XCTAssertEqual(try evil.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)], csrf: evilToken).status, 403)
        XCTAssertEqual(try evil.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)], csrf: evilToken,
                                     headers: [("Origin", "null")]).status, 403)
        XCTAssertEqual(try evil.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)], csrf: evilToken,
                                     headers: [("Referer", "http://evil.example/login")]).status, 403)
        // The Referer of a page of this service stands in for a missing Origin.
        let referred = try evil.post("/login", [("username", "root"), ("password", ServiceHarness.adminPassword)], csrf: evilToken,
                                     headers: [("Referer", "http://127.0.0.1:\(harness.port)/login")])
        XCTAssertEqual(referred.status, 303, referred.description)

        // Signed in: a form without the session's token changes nothing.
        let browser = BrowserClient(port: harness.port)
        try browser.signIn("root", ServiceHarness.adminPassword)
        try browser.get("/users")
        let created = try browser.post("/users", userFields("x.viewer", company: "airline-125"), csrf: "not-the-token")
        XCTAssertEqual(created.status, 403)
        browser.origin = "http://evil.example"
        XCTAssertEqual(try browser.post("/users", userFields("x.viewer", company: "airline-125")).status, 403)
        browser.origin = "http://127.0.0.1:\(harness.port)"
        let root = try harness.login("root", ServiceHarness.adminPassword)
        XCTAssertEqual(try root.get("/api/v1/users/x.viewer").status, 404, "nothing was created")

        // The API with the cookie: a state change needs Origin and X-CSRF-Token; a bearer token needs neither.
        let cookie = try XCTUnwrap(browser.cookies["cass_session"])
        let api = APIClient(port: harness.port)
        let body = try JSONSerialization.data(withJSONObject: ["username": "y.viewer", "company": "airline-125", "role": "viewer", "name": "Y",
                                                                "email": "y@example.com", "language": "en", "password": Self.password]).map { $0 }
        var answer = try api.request("POST", "/api/v1/users", body: body, contentType: "application/json",
                                     headers: [("Cookie", "cass_session=\(cookie)"), ("Origin", "http://127.0.0.1:\(harness.port)")])
        XCTAssertEqual(answer.status, 403, answer.description)
        answer = try api.request("POST", "/api/v1/users", body: body, contentType: "application/json",
                                 headers: [("Cookie", "cass_session=\(cookie)"), ("X-CSRF-Token", BrowserSecurity.csrfToken(sessionToken: cookie))])
        XCTAssertEqual(answer.status, 403, "no Origin")
        answer = try api.request("POST", "/api/v1/users", body: body, contentType: "application/json",
                                 headers: [("Cookie", "cass_session=\(cookie)"), ("Origin", "http://127.0.0.1:\(harness.port)"),
                                           ("X-CSRF-Token", BrowserSecurity.csrfToken(sessionToken: cookie))])
        XCTAssertEqual(answer.status, 201, answer.description)
        XCTAssertEqual(try api.request("GET", "/api/v1/users/y.viewer", headers: [("Cookie", "cass_session=\(cookie)")]).status, 200,
                       "reading with the cookie needs no token")
        XCTAssertEqual(try root.delete("/api/v1/users/y.viewer").status, 204, "a bearer token needs no CSRF token")
    }

    func testUserFormsRefuseWhatTheAPIRefuses() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = BrowserClient(port: harness.port)
        try admin.signIn("root", ServiceHarness.adminPassword)
        try admin.get("/users")
        var answer = try admin.post("/users", userFields("ba.admin", company: "airline-125", role: "admin"))
        XCTAssertEqual(answer.status, 303, answer.description)
        XCTAssertEqual(answer.header("Location"), "/users")
        let list = try admin.get("/users")
        XCTAssertTrue(list.text.contains("ba.admin"))
        XCTAssertTrue(list.text.contains("notice-success"))

        answer = try admin.post("/users", userFields("ba.admin", company: "airline-125"))
        XCTAssertEqual(answer.status, 409, "a username taken")
        XCTAssertTrue(answer.text.contains("notice-error"))
        answer = try admin.post("/users", userFields("ba.output", company: "airline-125", role: "output"))
        XCTAssertEqual(answer.status, 422, "output in an airline")
        XCTAssertTrue(answer.text.contains("aria-invalid=\"true\""))
        XCTAssertTrue(answer.text.contains("value=\"ba.output\""), "what was typed comes back")
        XCTAssertFalse(answer.text.contains(Self.password), "but not the password")
        answer = try admin.post("/users", userFields("ba.bad", company: "airline-125", operations: "G1"))
        XCTAssertEqual(answer.status, 422)

        // The airline's admin: its company's users only; another company's user is a 404.
        let airline = BrowserClient(port: harness.port)
        XCTAssertEqual(try airline.signIn("ba.admin", Self.password).header("Location"), "/files")
        XCTAssertEqual(try airline.get("/users").status, 200)
        XCTAssertEqual(try airline.get("/users/root").status, 404)
        XCTAssertEqual(try airline.get("/users/nobody-at-all").status, 404)
        try airline.get("/users")
        answer = try airline.post("/users", userFields("qr.viewer", company: "airline-157"))
        XCTAssertEqual(answer.status, 303, "the company field is ignored: an admin creates in its own company")
        XCTAssertEqual(try harness.login("root", ServiceHarness.adminPassword).get("/api/v1/users/qr.viewer").json["company"] as? String, "airline-125")
        // The last admin cannot disable itself.
        try airline.get("/users/ba.admin")
        answer = try airline.post("/users/ba.admin", [("name", "BA admin"), ("email", "ba.admin@example.com"), ("role", "admin"), ("language", "en"),
                                                      ("operations", "*"), ("disabled", "true")])
        XCTAssertEqual(answer.status, 409, answer.description)
        answer = try airline.post("/users/qr.viewer", [("name", "Renamed"), ("email", "qr@example.com"), ("role", "viewer"), ("language", "ja"),
                                                       ("operations", "GB JP"), ("disabled", "false")])
        XCTAssertEqual(answer.status, 303, answer.description)
        let renamed = try harness.login("root", ServiceHarness.adminPassword).get("/api/v1/users/qr.viewer").json
        XCTAssertEqual(renamed["name"] as? String, "Renamed")
        XCTAssertEqual(renamed["operations"] as? [String], ["GB", "JP"])
        XCTAssertEqual(try airline.post("/users/root/delete", []).status, 404, "another company's user, as a missing one")
        XCTAssertEqual(try airline.post("/users/qr.viewer/delete", []).status, 303)

        // A viewer has no users page (403, as the API).
        let viewer = BrowserClient(port: harness.port)
        try admin.get("/users")
        _ = try admin.post("/users", userFields("ba.viewer", company: "airline-125"))
        try viewer.signIn("ba.viewer", Self.password)
        XCTAssertEqual(try viewer.get("/users").status, 403)
    }

    func testAccountFormsAndLanguages() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = BrowserClient(port: harness.port)
        try admin.signIn("root", ServiceHarness.adminPassword)
        try admin.get("/users")
        _ = try admin.post("/users", userFields("kw.agent", company: "agent-KW-42100080002", role: "output", language: "ar"))

        let agent = BrowserClient(port: harness.port)
        agent.acceptLanguage = "ja, en;q=0.5"
        let login = try agent.get("/login")
        XCTAssertTrue(login.text.contains("<html lang=\"ja\" dir=\"ltr\""), "before sign-in: Accept-Language")
        XCTAssertEqual(try agent.signIn("kw.agent", Self.password).status, 303)
        let account = try agent.get("/account")
        XCTAssertTrue(account.text.contains("<html lang=\"ar\" dir=\"rtl\""), "the user's language wins")

        var answer = try agent.post("/account/password", [("currentPassword", "wrong wrong wrong"), ("newPassword", "a new long password")])
        XCTAssertEqual(answer.status, 422)
        XCTAssertTrue(answer.text.contains("aria-invalid"))
        try agent.get("/account")
        answer = try agent.post("/account/password", [("currentPassword", Self.password), ("newPassword", "short")])
        XCTAssertEqual(answer.status, 422, "the API's password rule")
        try agent.get("/account")
        answer = try agent.post("/account/password", [("currentPassword", Self.password), ("newPassword", "a new long password")])
        XCTAssertEqual(answer.status, 303, answer.description)
        XCTAssertNoThrow(try harness.login("kw.agent", "a new long password"))
        try agent.get("/account")
        answer = try agent.post("/account", [("name", "وكيل الكويت"), ("email", "kw@example.com"), ("language", "fr")])
        XCTAssertEqual(answer.status, 303, answer.description)
        XCTAssertTrue(try agent.get("/account").text.contains("<html lang=\"fr\" dir=\"ltr\""))
    }

    func testStaticFilesAreCachedByETagAndErrorsArePages() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let browser = BrowserClient(port: harness.port)
        let css = try browser.get("/static/portal.css?v=" + PortalAssets.stylesheet.etag)
        XCTAssertEqual(css.status, 200)
        XCTAssertEqual(css.header("Content-Type"), "text/css; charset=utf-8")
        XCTAssertEqual(css.header("Cache-Control"), "public, max-age=31536000, immutable")
        let etag = try XCTUnwrap(css.header("ETag"))
        XCTAssertEqual(try browser.get("/static/portal.js").header("Content-Type"), "text/javascript; charset=utf-8")
        XCTAssertEqual(try browser.get("/static/portal.css", headers: [("If-None-Match", etag)]).status, 304)
        try browser.signIn("root", ServiceHarness.adminPassword)
        let missing = try browser.get("/users/no.such.user")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.header("Content-Security-Policy"), PortalSecurity.contentSecurityPolicy)
        XCTAssertFalse(missing.text.contains("no.such.user"), "an error page names nothing")
    }

    func testOriginsCompareAsRFC6454Says() {
        XCTAssertEqual(Origin(serialized: "https://CASS.example.com"), Origin(scheme: "https", authority: "cass.example.com:443"))
        XCTAssertEqual(Origin(serialized: "http://[::1]:8080"), Origin(scheme: "http", authority: "[::1]:8080"))
        XCTAssertNotEqual(Origin(serialized: "http://cass.example.com"), Origin(scheme: "https", authority: "cass.example.com"))
        XCTAssertNotEqual(Origin(serialized: "http://cass.example.com:8080"), Origin(scheme: "http", authority: "cass.example.com"))
        XCTAssertEqual(Origin(url: "http://127.0.0.1:8080/files?x=1"), Origin(scheme: "http", authority: "127.0.0.1:8080"))
        XCTAssertNil(Origin(serialized: "null"))
        XCTAssertNil(Origin(serialized: "https://a.example/path"))
        XCTAssertNil(Origin(serialized: "javascript://a.example"))
        XCTAssertNil(Origin(serialized: "http://user@a.example"))
        XCTAssertNil(Origin(serialized: "http://a.example:99999"))
    }

    func userFields(_ username: String, company: String, role: String = "viewer", language: String = "en", operations: String = "*") -> [(String, String)] {
        [("username", username), ("company", company), ("role", role), ("name", username), ("email", "\(username)@example.com"),
         ("language", language), ("operations", operations), ("password", Self.password)]
    }
}
