import CASSDomain

/// Writes one page: the layout (head, masthead, navigation, scope
/// switcher, notice, footer) and the helpers every page uses (tables,
/// fields, buttons, amounts). Pages are built top to bottom into one byte
/// buffer: no template engine, no intermediate tree.
struct PageBuilder {
    var w: HTMLWriter
    let ctx: PortalContext
    let t: PortalCatalog
    let f: PortalFormat
    /// Badge markup already made on this page, by prefix and value.
    var badges: [String: [String: [UInt8]]] = [:]

    init(_ ctx: PortalContext, capacity: Int = 32 * 1024) {
        self.ctx = ctx
        self.t = PortalCatalog(ctx.language)
        self.f = PortalFormat(ctx.language)
        self.w = HTMLWriter(capacity: capacity)
    }

    // MARK: layout

    /// Writes everything up to and including the page's `<h1>` and notice.
    /// `path` is the page's own path, which the scope switcher links keep.
    mutating func begin(title: String, section: PortalSection?, path: PortalHref, live: Bool = false) {
        w.raw("<!DOCTYPE html>\n<html lang=\"")
        w.rawTrusted(ctx.language.rawValue)
        w.raw("\" dir=\"")
        w.rawTrusted(ctx.language.direction)
        w.raw("\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"same-origin\"><title>")
        w.text(title)
        w.raw(" · OpenCASS</title><link rel=\"stylesheet\" href=\"")
        w.attribute(PortalAssets.stylesheetHref.value)
        w.raw("\"><script src=\"")
        w.attribute(PortalAssets.scriptHref.value)
        w.raw("\" defer></script></head><body")
        if live {
            w.raw(" data-events=\"")
            w.attribute(PortalHref.events.value)
            w.raw("\"")
        }
        w.raw(">")
        w.raw("<a class=\"skip\" href=\"#main\">")
        w.text(t("layout.skip"))
        w.raw("</a>")
        masthead(section: section)
        if ctx.viewer != nil, ctx.scope.spansSeveral { scopeSwitcher(path: path) }
        w.raw("<main id=\"main\" tabindex=\"-1\">")
        w.wrap("<h1>", title, "</h1>")
        notice()
    }

    /// Closes `<main>`, writes the footer, returns the page.
    mutating func end() -> [UInt8] {
        w.raw("</main><footer class=\"foot\"><p>OpenCASS · ")
        w.text(t("layout.footer"))
        w.raw("</p></footer></body></html>\n")
        return w.bytes
    }

    mutating func masthead(section: PortalSection?) {
        w.raw("<header class=\"masthead\"><a class=\"brand\" href=\"/\">OpenCASS</a>")
        guard let viewer = ctx.viewer else {
            w.raw("</header>")
            return
        }
        w.raw("<p class=\"who\"><bdi>")
        w.text(PageBuilder.clip(viewer.name.isEmpty ? viewer.username : viewer.name, 120))
        w.raw("</bdi> · <bdi>")
        w.text(PageBuilder.clip(viewer.companyName.isEmpty ? viewer.company : viewer.companyName, 120))
        w.raw("</bdi> · ")
        w.text(t.label("role", viewer.role.rawValue))
        w.raw("</p><div class=\"session\"><a href=\"/account\"")
        if section == .account { w.raw(" aria-current=\"page\"") }
        w.raw(">")
        w.text(t("nav.account"))
        w.raw("</a><form method=\"post\" action=\"/logout\" class=\"inline\">")
        w.csrf(ctx.csrfToken)
        w.raw("<button type=\"submit\" class=\"link-button\">")
        w.text(t("layout.signOut"))
        w.raw("</button></form></div></header>")
        let items = viewer.abilities.navigation
        guard !items.isEmpty else { return }
        w.raw("<nav class=\"main-nav\" aria-label=\"")
        w.attribute(t("layout.navigation"))
        w.raw("\"><ul>")
        for item in items {
            w.raw("<li><a href=\"")
            w.attribute(item.href.value)
            w.raw("\"")
            if item == section { w.raw(" aria-current=\"page\"") }
            w.raw(">")
            w.text(t(item.titleKey))
            w.raw("</a></li>")
        }
        w.raw("</ul></nav>")
    }

    /// One link per company and per operation of the user's scope: a switch
    /// is one click (a plain GET link, so it works without JavaScript and
    /// can be bookmarked). More than 12 companies get a select and a button.
    mutating func scopeSwitcher(path: PortalHref) {
        let scope = ctx.scope
        w.raw("<nav class=\"scope\" aria-label=\"")
        w.attribute(t("scope.label"))
        w.raw("\">")
        if scope.companies.count > 1 {
            let validCompany = scope.company.flatMap { PortalID.isCompany($0) ? $0 : nil }
            let validCountry = scope.country.flatMap { PortalID.isCountry($0) ? $0 : nil }
            if scope.companies.count <= 12 {
                w.raw("<p class=\"scope-title\">")
                w.text(t("scope.companies"))
                w.raw("</p><ul class=\"chips\">")
                scopeLink(path.query([("country", validCountry)]), t("scope.allCompanies"), current: validCompany == nil)
                for company in scope.companies where PortalID.isCompany(company.id) {
                    scopeLink(path.query([("company", company.id), ("country", validCountry)]), company.name.isEmpty ? company.id : company.name,
                              current: company.id == validCompany)
                }
                w.raw("</ul>")
            } else {
                w.raw("<form method=\"get\" action=\"")
                w.attribute(path.value)
                w.raw("\" class=\"scope-form\"><label for=\"scope-company\">")
                w.text(t("scope.companies"))
                w.raw("</label><select id=\"scope-company\" name=\"company\"><option value=\"\">")
                w.text(t("scope.allCompanies"))
                w.raw("</option>")
                for company in scope.companies where PortalID.isCompany(company.id) {
                    option(company.id, company.name.isEmpty ? company.id : "\(company.name) (\(company.id))", selected: company.id == validCompany)
                }
                w.raw("</select>")
                if let validCountry { w.hidden("country", validCountry) }
                w.raw("<button type=\"submit\">")
                w.text(t("scope.switch"))
                w.raw("</button></form>")
            }
        }
        if scope.operations.count > 1 {
            let validCompany = scope.company.flatMap { PortalID.isCompany($0) ? $0 : nil }
            let validCountry = scope.country.flatMap { PortalID.isCountry($0) ? $0 : nil }
            w.raw("<p class=\"scope-title\">")
            w.text(t("scope.operations"))
            w.raw("</p><ul class=\"chips\">")
            scopeLink(path.query([("company", validCompany)]), t("scope.allOperations"), current: validCountry == nil)
            for operation in scope.operations where PortalID.isCountry(operation.country) {
                scopeLink(path.query([("company", validCompany), ("country", operation.country)]),
                          operation.name.isEmpty ? operation.country : operation.country + " · " + operation.name,
                          current: operation.country == validCountry)
            }
            w.raw("</ul>")
        }
        w.raw("</nav>")
    }

    mutating func scopeLink(_ href: PortalHref, _ label: String, current: Bool) {
        w.raw("<li><a href=\"")
        w.attribute(href.value)
        w.raw("\"")
        if current { w.raw(" aria-current=\"true\"") }
        w.raw(">")
        w.text(PageBuilder.clip(label, 120))
        w.raw("</a></li>")
    }

    mutating func notice() {
        guard let notice = ctx.notice else { return }
        switch notice.kind {
        case .error: w.raw("<div class=\"notice notice-error\" role=\"alert\" tabindex=\"-1\" id=\"notice\"><p>")
        case .success: w.raw("<div class=\"notice notice-success\" role=\"status\" tabindex=\"-1\" id=\"notice\"><p>")
        case .info: w.raw("<div class=\"notice notice-info\" role=\"status\" tabindex=\"-1\" id=\"notice\"><p>")
        }
        w.text(t(notice.message.key))
        w.raw("</p>")
        if let detail = notice.detail, !detail.isEmpty {
            w.raw("<p class=\"detail\"><bdi>")
            w.text(PageBuilder.clip(detail, 2000))
            w.raw("</bdi></p>")
        }
        if let state = ctx.form, !state.errors.isEmpty {
            // Errors not tied to a field the form shows still reach the user.
            w.raw("<ul>")
            for error in state.errors where !PageBuilder.fieldNames[state.form, default: []].contains(error.field) {
                w.raw("<li><bdi>")
                w.text(error.field.isEmpty ? PageBuilder.clip(error.message, 500) : PageBuilder.clip(error.field + ": " + error.message, 500))
                w.raw("</bdi></li>")
            }
            w.raw("</ul>")
        }
        w.raw("</div>")
    }

    /// Every field each form shows, so that the notice lists the errors
    /// that no field displays next to itself.
    static let fieldNames: [PortalFormName: Set<String>] = [
        .login: ["username", "password"],
        .upload: ["file"],
        .dispute: ["invoice", "awb", "amount", "reason"],
        .disputeAccept: ["amount"],
        .disputeReject: ["reason"],
        .payment: ["invoice", "amount", "method", "date", "reference"],
        .walletTopup: ["country", "amount", "reference"],
        .directDebit: ["directDebit"],
        .settings: ["language", "formats", "distribution", "webhookUrl", "webhookSecret", "emails", "directDebit"],
        .userCreate: ["username", "company", "role", "name", "email", "language", "operations", "password"],
        .userEdit: ["role", "name", "email", "language", "operations", "disabled"],
        .account: ["name", "email", "language"],
        .password: ["currentPassword", "newPassword"],
    ]

    // MARK: text helpers

    /// Free text from users (names, reasons) is cut at `limit` characters
    /// in the page, so a hostile megabyte-long value cannot swell it.
    static func clip(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var count = 0
        for character in text {
            count += character.utf8.count
            if count > limit { break }
            out.append(character)
        }
        return out + "…"
    }

    /// Untrusted text isolated from its neighbours (`<bdi>`), so a name in
    /// Arabic or with stray bidi marks cannot reorder the sentence it sits in.
    mutating func isolated(_ text: String, limit: Int = 300) {
        w.raw("<bdi>")
        w.text(PageBuilder.clip(text, limit))
        w.raw("</bdi>")
    }

    /// An identifier that is read left to right in every language (numbers,
    /// codes, AWBs): isolated and marked `ltr`.
    mutating func code(_ text: String) {
        w.raw("<bdi dir=\"ltr\">")
        w.text(PageBuilder.clip(text, 120))
        w.raw("</bdi>")
    }

    mutating func amount(_ minor: Int64, _ currency: String) {
        w.raw("<span class=\"amount\">")
        w.text(f.amount(minor, currency: currency))
        w.raw("</span>")
    }

    mutating func date(_ date: CivilDate) {
        w.raw("<time datetime=\"")
        w.rawTrusted(date.description)
        w.raw("\">")
        w.text(f.date(date))
        w.raw("</time>")
    }

    mutating func dateTime(_ instant: PortalInstant) {
        w.raw("<time datetime=\"")
        w.rawTrusted(instant.rfc3339)
        w.raw("\">")
        w.text(f.dateTime(instant))
        w.raw("</time>")
    }

    /// A status as a labelled badge; the class carries the value only when
    /// it is one of the known words (a class from data could be anything).
    /// The markup of each (prefix, value) is made once per page: a list of
    /// 1,000 invoices has a handful of statuses.
    mutating func badge(_ prefix: String, _ value: String) {
        if let made = badges[prefix]?[value] {
            w.bytes.append(contentsOf: made)
            return
        }
        let start = w.bytes.count
        let key = prefix + "." + value
        let known = t.has(key)
        w.raw("<span class=\"badge")
        if known, value.utf8.allSatisfy({ PortalID.isLower($0) || $0 == 45 || PortalID.isUpper($0) }) {
            w.raw(" badge-")
            w.rawTrusted(value.lowercased())
        }
        w.raw("\">")
        w.text(known ? t[key] : PageBuilder.clip(value, 40))
        w.raw("</span>")
        if badges.count < 16, (badges[prefix]?.count ?? 0) < 32 {
            badges[prefix, default: [:]][value] = Array(w.bytes[start...])
        }
    }

    /// The words for a rejection code, when the catalog has them.
    mutating func codeDescription(_ code: String) {
        let key = "code." + code
        guard t.has(key) else { return }
        w.raw(" <span class=\"muted\">")
        w.text(t[key])
        w.raw("</span>")
    }

    // MARK: structure helpers

    mutating func sectionStart(_ id: StaticString, _ heading: String) {
        w.raw("<section aria-labelledby=\"")
        w.raw(id)
        w.raw("\"><h2 id=\"")
        w.raw(id)
        w.raw("\">")
        w.text(heading)
        w.raw("</h2>")
    }

    mutating func sectionEnd() { w.raw("</section>") }

    /// A scrollable table wrapper (focusable, so keyboard users can scroll
    /// it) with a caption and column headers.
    mutating func tableStart(caption: String, headers: [String], numeric: Set<Int> = [], captionHidden: Bool = false) {
        w.raw("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"")
        w.attribute(caption)
        w.raw("\"><table><caption")
        if captionHidden { w.raw(" class=\"vh\"") }
        w.raw(">")
        w.text(caption)
        w.raw("</caption><thead><tr>")
        for (index, header) in headers.enumerated() {
            if numeric.contains(index) { w.raw("<th scope=\"col\" class=\"num\">") } else { w.raw("<th scope=\"col\">") }
            w.text(header)
            w.raw("</th>")
        }
        w.raw("</tr></thead><tbody>")
    }

    mutating func tableEnd() { w.raw("</tbody></table></div>") }

    mutating func emptyRow(columns: Int, _ message: String) {
        w.raw("<tr><td colspan=\"")
        w.int(columns)
        w.raw("\" class=\"empty\">")
        w.text(message)
        w.raw("</td></tr>")
    }

    mutating func td(_ text: String) { w.wrap("<td>", text, "</td>") }
    mutating func tdNumber(_ value: Int) { w.wrap("<td class=\"num\">", f.number(value), "</td>") }
    mutating func tdAmount(_ minor: Int64, _ currency: String) {
        w.raw("<td class=\"num\">")
        f.writeAmount(minor, currency: currency, into: &w.bytes)
        w.raw("</td>")
    }
    mutating func tdCode(_ text: String) { w.raw("<td>"); code(text); w.raw("</td>") }
    mutating func tdIsolated(_ text: String, limit: Int = 300) { w.raw("<td>"); isolated(text, limit: limit); w.raw("</td>") }

    /// A `<dl>` row.
    mutating func term(_ label: String) { w.wrap("<dt>", label, "</dt>") }

    /// A link to the next page of a list, when there is one.
    mutating func nextPageLink(_ path: PortalHref, _ next: String?, extra: [(String, String?)] = []) {
        guard let next, PortalID.isCursor(next) else { return }
        w.raw("<p class=\"pager\">")
        w.link(path.query(extra + [("after", next)]), t("list.next"), attributes: " rel=\"next\"")
        w.raw("</p>")
    }

    // MARK: forms

    /// `<form method="post" action="…">` with the CSRF field.
    mutating func postForm(_ action: PortalHref, _ form: PortalFormName?, classes: StaticString = "form", multipart: Bool = false, upload: Bool = false) {
        w.raw("<form method=\"post\" action=\"")
        w.attribute(action.value)
        w.raw("\" class=\"")
        w.raw(classes)
        w.raw("\"")
        if multipart { w.raw(" enctype=\"multipart/form-data\"") }
        if upload {
            w.raw(" data-upload=\"\" data-upload-failed=\"")
            w.attribute(t("files.uploadFailed"))
            w.raw("\"")
        }
        if let form {
            w.raw(" id=\"form-")
            w.rawTrusted(form.rawValue)
            w.raw("\"")
        }
        w.raw(">")
        w.csrf(ctx.csrfToken)
    }

    mutating func formEnd() { w.raw("</form>") }

    struct FieldOptions {
        var type: StaticString = "text"
        var required = false
        var autocomplete: StaticString? = nil
        var hint: String? = nil
        var extra: StaticString = ""
    }

    /// A labelled input. Its id is `form-field`; errors from the service for
    /// this field are shown under it and the input is marked invalid.
    mutating func field(_ form: PortalFormName, _ name: StaticString, label: String, value: String = "", options: FieldOptions = FieldOptions()) {
        let id = form.rawValue + "-" + name.description
        let errors = ctx.errors(form, name.description)
        w.raw("<div class=\"field\"><label for=\"")
        w.rawTrusted(id)
        w.raw("\">")
        w.text(label)
        w.raw("</label><input id=\"")
        w.rawTrusted(id)
        w.raw("\" name=\"")
        w.raw(name)
        w.raw("\" type=\"")
        w.raw(options.type)
        w.raw("\"")
        if options.type.description != "file" && options.type.description != "password" {
            w.raw(" value=\"")
            w.attribute(ctx.value(form, name.description, value))
            w.raw("\"")
        }
        if options.required { w.raw(" required") }
        if let autocomplete = options.autocomplete {
            w.raw(" autocomplete=\"")
            w.raw(autocomplete)
            w.raw("\"")
        }
        describedBy(id, hint: options.hint != nil, errors: !errors.isEmpty)
        w.raw(options.extra)
        w.raw(">")
        fieldNotes(id, hint: options.hint, errors: errors)
        w.raw("</div>")
    }

    mutating func textArea(_ form: PortalFormName, _ name: StaticString, label: String, value: String, hint: String? = nil, required: Bool = false) {
        let id = form.rawValue + "-" + name.description
        let errors = ctx.errors(form, name.description)
        w.raw("<div class=\"field\"><label for=\"")
        w.rawTrusted(id)
        w.raw("\">")
        w.text(label)
        w.raw("</label><textarea id=\"")
        w.rawTrusted(id)
        w.raw("\" name=\"")
        w.raw(name)
        w.raw("\" rows=\"4\" maxlength=\"2000\"")
        if required { w.raw(" required") }
        describedBy(id, hint: hint != nil, errors: !errors.isEmpty)
        w.raw(">")
        w.text(ctx.value(form, name.description, value))
        w.raw("</textarea>")
        fieldNotes(id, hint: hint, errors: errors)
        w.raw("</div>")
    }

    mutating func select(_ form: PortalFormName, _ name: StaticString, label: String, options: [(value: String, label: String)], selected: String, required: Bool = false) {
        let id = form.rawValue + "-" + name.description
        let errors = ctx.errors(form, name.description)
        let current = ctx.value(form, name.description, selected)
        w.raw("<div class=\"field\"><label for=\"")
        w.rawTrusted(id)
        w.raw("\">")
        w.text(label)
        w.raw("</label><select id=\"")
        w.rawTrusted(id)
        w.raw("\" name=\"")
        w.raw(name)
        w.raw("\"")
        if required { w.raw(" required") }
        describedBy(id, hint: false, errors: !errors.isEmpty)
        w.raw(">")
        for option in options { self.option(option.value, option.label, selected: option.value == current) }
        w.raw("</select>")
        fieldNotes(id, hint: nil, errors: errors)
        w.raw("</div>")
    }

    mutating func option(_ value: String, _ label: String, selected: Bool) {
        w.raw("<option value=\"")
        w.attribute(value)
        w.raw("\"")
        if selected { w.raw(" selected") }
        w.raw(">")
        w.text(PageBuilder.clip(label, 200))
        w.raw("</option>")
    }

    /// A group of checkboxes (several values under one name) or radio
    /// buttons, in a fieldset with a legend.
    mutating func choices(_ form: PortalFormName, _ name: StaticString, legend: String, options: [(value: String, label: String)], checked: Set<String>, radio: Bool = false) {
        let errors = ctx.errors(form, name.description)
        w.raw("<fieldset class=\"field choices\"><legend>")
        w.text(legend)
        w.raw("</legend>")
        for (index, option) in options.enumerated() {
            let id = form.rawValue + "-" + name.description + "-" + String(index)
            w.raw("<div class=\"choice\"><input type=\"")
            w.raw(radio ? "radio" : "checkbox")
            w.raw("\" id=\"")
            w.rawTrusted(id)
            w.raw("\" name=\"")
            w.raw(name)
            w.raw("\" value=\"")
            w.attribute(option.value)
            w.raw("\"")
            if checked.contains(option.value) { w.raw(" checked") }
            w.raw("><label for=\"")
            w.rawTrusted(id)
            w.raw("\">")
            w.text(option.label)
            w.raw("</label></div>")
        }
        for error in errors { w.wrap("<p class=\"error\">", error, "</p>") }
        w.raw("</fieldset>")
    }

    mutating func describedBy(_ id: String, hint: Bool, errors: Bool) {
        guard hint || errors else { return }
        w.raw(" aria-describedby=\"")
        if hint { w.rawTrusted(id + "-hint") }
        if hint && errors { w.raw(" ") }
        if errors { w.rawTrusted(id + "-error") }
        w.raw("\"")
        if errors { w.raw(" aria-invalid=\"true\"") }
    }

    mutating func fieldNotes(_ id: String, hint: String?, errors: [String]) {
        if let hint {
            w.raw("<p class=\"hint\" id=\"")
            w.rawTrusted(id + "-hint")
            w.raw("\">")
            w.text(hint)
            w.raw("</p>")
        }
        if !errors.isEmpty {
            w.raw("<p class=\"error\" id=\"")
            w.rawTrusted(id + "-error")
            w.raw("\">")
            w.text(PageBuilder.clip(errors.joined(separator: " "), 500))
            w.raw("</p>")
        }
    }

    mutating func submit(_ label: String, primary: Bool = true) {
        w.raw(primary ? "<div class=\"actions\"><button type=\"submit\" class=\"primary\">" : "<div class=\"actions\"><button type=\"submit\">")
        w.text(label)
        w.raw("</button></div>")
    }

    /// A one-button POST form (withdraw, close, delete): the visible word
    /// plus a hidden part naming the object, so that a list of identical
    /// buttons still reads distinctly to a screen reader.
    mutating func buttonForm(_ action: PortalHref, _ label: String, object: String, classes: StaticString = "inline", danger: Bool = false) {
        w.raw("<form method=\"post\" action=\"")
        w.attribute(action.value)
        w.raw("\" class=\"")
        w.raw(classes)
        w.raw("\">")
        w.csrf(ctx.csrfToken)
        w.raw(danger ? "<button type=\"submit\" class=\"danger\">" : "<button type=\"submit\">")
        w.text(label)
        w.raw("<span class=\"vh\"> ")
        w.text(PageBuilder.clip(object, 200))
        w.raw("</span></button></form>")
    }

    /// A GET filter form (no CSRF: it changes nothing).
    mutating func filterStart(_ action: PortalHref) {
        w.raw("<form method=\"get\" action=\"")
        w.attribute(action.value)
        w.raw("\" class=\"filters\" role=\"search\" aria-label=\"")
        w.attribute(t("filter.label"))
        w.raw("\">")
        let scope = ctx.scope
        if let company = scope.company, PortalID.isCompany(company) { w.hidden("company", company) }
    }

    mutating func filterEnd() {
        w.raw("<div class=\"actions\"><button type=\"submit\">")
        w.text(t("filter.apply"))
        w.raw("</button></div></form>")
    }

    /// A filter select; `id` must be unique on the page.
    mutating func filterSelect(_ name: StaticString, label: String, options: [(value: String, label: String)], selected: String?) {
        let id = "filter-" + name.description
        w.raw("<div class=\"field\"><label for=\"")
        w.rawTrusted(id)
        w.raw("\">")
        w.text(label)
        w.raw("</label><select id=\"")
        w.rawTrusted(id)
        w.raw("\" name=\"")
        w.raw(name)
        w.raw("\"><option value=\"\">")
        w.text(t("filter.all"))
        w.raw("</option>")
        for option in options { self.option(option.value, option.label, selected: option.value == selected) }
        w.raw("</select></div>")
    }

    mutating func filterText(_ name: StaticString, label: String, value: String?, pattern: StaticString? = nil) {
        let id = "filter-" + name.description
        w.raw("<div class=\"field\"><label for=\"")
        w.rawTrusted(id)
        w.raw("\">")
        w.text(label)
        w.raw("</label><input type=\"text\" id=\"")
        w.rawTrusted(id)
        w.raw("\" name=\"")
        w.raw(name)
        w.raw("\" value=\"")
        w.attribute(value ?? "")
        w.raw("\"")
        if let pattern {
            w.raw(" pattern=\"")
            w.raw(pattern)
            w.raw("\"")
        }
        w.raw("></div>")
    }

    /// The operation filter: the scope's countries.
    mutating func countryFilter(selected: String?) {
        let operations = ctx.scope.operations
        if operations.isEmpty {
            filterText("country", label: t("field.country"), value: selected, pattern: "[A-Z]{2}")
        } else {
            filterSelect("country", label: t("field.country"), options: operations.map { ($0.country, $0.name.isEmpty ? $0.country : $0.country + " · " + $0.name) }, selected: selected)
        }
    }

    /// Minor-unit digits hint for an amount field: "in GBP, e.g. 1234.56".
    func amountHint(_ currency: String?) -> String {
        guard let currency, let digits = ISO4217.minorDigits(of: currency) else { return t("form.amountHint") }
        return t("form.amountHintCurrency", ["currency": PortalFormat.safeCurrency(currency), "example": Money.decimalString(123_456, digits: digits)])
    }
}
