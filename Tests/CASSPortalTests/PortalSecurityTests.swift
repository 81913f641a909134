import CASSDomain
@testable import CASSPortal
import XCTest

/// Scans every page of every user kind in every language for what the CSP,
/// CSRF and accessibility rules forbid.
final class PortalSecurityTests: XCTestCase {
    static let pages = Page.everything()

    func test_noInlineScriptOrStyleAnywhere() {
        for page in Self.pages {
            let html = page.html
            for script in Page.matches("(<script\\b[^>]*>)", in: html) {
                XCTAssertTrue(script.contains(" src=\"/static/portal.js?v="), "\(page.label): \(script)")
            }
            XCTAssertEqual(Page.matches("<script\\b[^>]*>([^<]+)</script>", in: html), [], page.label)
            XCTAssertFalse(html.contains("<style"), page.label)
            XCTAssertEqual(Page.matches("(\\sstyle\\s*=)", in: html), [], page.label)
            XCTAssertEqual(Page.matches("(\\son[a-z]+\\s*=)", in: html), [], page.label)
            XCTAssertFalse(html.lowercased().contains("javascript:"), page.label)
        }
    }

    func test_everyPostFormCarriesTheCSRFToken() {
        var posts = 0
        for page in Self.pages {
            for form in Page.forms(page.html) where form.contains("method=\"post\"") {
                posts += 1
                XCTAssertTrue(form.contains("<input type=\"hidden\" name=\"csrf\" value=\"c2FtcGxlLWNzcmYtdG9rZW4tZm9yLXRlc3Rz\">"), "\(page.label): \(form.prefix(200))")
            }
            for form in Page.forms(page.html) {
                XCTAssertTrue(form.contains("method=\"post\"") || form.contains("method=\"get\""), page.label)
            }
        }
        XCTAssertGreaterThan(posts, 500)
    }

    func test_formsPostToLocalPathsOnly() {
        for page in Self.pages {
            for action in Page.matches("(?:action|formaction)=\"([^\"]*)\"", in: page.html) {
                XCTAssertTrue(action.hasPrefix("/") && !action.hasPrefix("//"), "\(page.label): \(action)")
            }
            for href in Page.matches("href=\"([^\"]*)\"", in: page.html) {
                XCTAssertTrue((href.hasPrefix("/") && !href.hasPrefix("//")) || href.hasPrefix("#"), "\(page.label): \(href)")
            }
        }
    }

    func test_idsAreUniqueAndEveryControlIsLabelled() {
        for page in Self.pages {
            let ids = Page.matches("\\sid=\"([^\"]+)\"", in: page.html)
            XCTAssertEqual(ids.count, Set(ids).count, "\(page.label): duplicate ids \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
            let labelled = Set(Page.matches("<label for=\"([^\"]+)\"", in: page.html))
            for control in Page.matches("(<(?:input|select|textarea)\\b[^>]*>)", in: page.html) where !control.contains("type=\"hidden\"") {
                guard let id = Page.matches("\\sid=\"([^\"]+)\"", in: control).first else {
                    XCTFail("\(page.label): control without id \(control)")
                    continue
                }
                XCTAssertTrue(labelled.contains(id), "\(page.label): no label for \(id)")
            }
            for reference in Page.matches("aria-(?:labelledby|describedby)=\"([^\"]+)\"", in: page.html) {
                for id in reference.split(separator: " ") { XCTAssertTrue(ids.contains(String(id)), "\(page.label): dangling reference \(id)") }
            }
            for button in Page.matches("(<button\\b[^>]*>.*?</button>)", in: page.html) {
                XCTAssertFalse(Page.visibleText(button).trimmingCharacters(in: .whitespaces).isEmpty, "\(page.label): empty button")
            }
            for link in Page.matches("(<a\\b[^>]*>.*?</a>)", in: page.html) {
                XCTAssertFalse(Page.visibleText(link).trimmingCharacters(in: .whitespaces).isEmpty, "\(page.label): empty link \(link)")
            }
        }
    }

    func test_landmarksLanguageAndDirection() {
        for page in Self.pages {
            XCTAssertTrue(page.html.hasPrefix("<!DOCTYPE html>\n<html lang=\"\(page.language.rawValue)\" dir=\"\(page.language.direction)\">"), page.label)
            XCTAssertEqual(Page.matches("(<main\\b)", in: page.html).count, 1, page.label)
            XCTAssertEqual(Page.matches("(<h1>)", in: page.html).count, 1, page.label)
            XCTAssertTrue(page.html.contains("<title>"), page.label)
            XCTAssertTrue(page.html.contains("<a class=\"skip\" href=\"#main\">"), page.label)
            for table in Page.matches("(<table>.*?</table>)", in: page.html) {
                XCTAssertTrue(table.contains("<th scope=\"col\""), "\(page.label): table without column headers")
                XCTAssertTrue(table.contains("<caption"), "\(page.label): table without caption")
            }
        }
    }

    func test_tagsBalance() {
        for page in Self.pages {
            var stack: [String] = []
            let void: Set<String> = ["meta", "link", "input", "br", "hr", "img"]
            for tag in Page.matches("(<\\/?[a-zA-Z][a-zA-Z0-9]*)", in: page.html) {
                let closing = tag.hasPrefix("</")
                let name = String(tag.dropFirst(closing ? 2 : 1)).lowercased()
                if void.contains(name) && !closing { continue }
                if closing {
                    XCTAssertEqual(stack.last, name, "\(page.label): </\(name)> closes \(stack.last ?? "nothing")")
                    if stack.last == name { stack.removeLast() } else { break }
                } else {
                    stack.append(name)
                }
            }
            XCTAssertEqual(stack, [], page.label)
        }
    }

    func test_safeReturnPaths() {
        for good in ["/", "/invoices", "/invoices?country=GB&period=20261102", "/files/f12#rejections"] {
            XCTAssertTrue(PortalSecurity.isSafeReturnPath(good), good)
        }
        for bad in ["", "//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/a b", "/\"><script>", "/\u{0}", String(repeating: "/a", count: 300)] {
            XCTAssertFalse(PortalSecurity.isSafeReturnPath(bad), bad)
        }
    }

    func test_cspHeaderForbidsInline() {
        let csp = PortalSecurity.contentSecurityPolicy
        XCTAssertTrue(csp.hasPrefix("default-src 'self'"))
        XCTAssertFalse(csp.contains("unsafe-inline"))
        XCTAssertFalse(csp.contains("unsafe-eval"))
        XCTAssertTrue(PortalSecurity.headers.contains { $0.name == "Content-Security-Policy" })
    }

    func test_staticAssets() {
        XCTAssertEqual(PortalAssets.all.map(\.path), ["/static/portal.css", "/static/portal.js"])
        XCTAssertEqual(PortalAssets.asset(at: "/static/portal.js?v=123")?.contentType, "text/javascript; charset=utf-8")
        XCTAssertNil(PortalAssets.asset(at: "/static/../etc/passwd"))
        let page = Page.text(PortalPages.login(PortalSamples.context(.agent, role: .viewer)))
        XCTAssertTrue(page.contains("href=\"/static/portal.css?v=\(PortalAssets.stylesheet.etag)\""))
        XCTAssertTrue(page.contains("src=\"/static/portal.js?v=\(PortalAssets.script.etag)\""))
    }

    /// The stylesheet mirrors by `dir` alone: no physical left/right.
    func test_cssUsesLogicalPropertiesOnly() {
        let css = String(decoding: PortalAssets.stylesheet.bytes, as: UTF8.self)
        for physical in ["margin-left", "margin-right", "padding-left", "padding-right", "border-left", "border-right", "left:", "right:",
                         "text-align: left", "text-align: right", "float:"] {
            XCTAssertFalse(css.contains(physical), physical)
        }
        XCTAssertTrue(css.contains(":focus-visible"))
    }

    func test_scriptHasNoEvalAndListensToTheSpecEvents() {
        let js = String(decoding: PortalAssets.script.bytes, as: UTF8.self)
        XCTAssertFalse(js.contains("eval("))
        XCTAssertFalse(js.contains("innerHTML ="))
        for name in ["file.received", "file.accepted", "file.rejected", "file.withdrawn", "period.closed", "invoice.issued",
                     "payment.recorded", "invoice.overdue", "risk.flagged", "dispute."] {
            XCTAssertTrue(js.contains("'" + name), name)
        }
    }
}
