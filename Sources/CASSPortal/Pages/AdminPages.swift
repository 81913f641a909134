import CASSDomain

extension PortalPages {
    /// The roles a company of this kind may give (an airline has no
    /// `output`, an agent no `input`, the operator neither).
    static func roles(for kind: PortalCompanyKind?) -> [PortalRole] {
        switch kind {
        case .airline?: [.viewer, .input, .admin]
        case .agent?, .agentGroup?: [.viewer, .output, .admin]
        case .cassOperator?: [.viewer, .admin]
        case nil: PortalRole.allCases
        }
    }

    static func languageOptions(_ t: PortalCatalog) -> [(value: String, label: String)] {
        PortalLanguage.allCases.map { ($0.rawValue, PortalCatalog.value($0, "language.self") ?? $0.rawValue) }
    }

    /// `/users` (admins): the company's users (all, for the `cass` admin)
    /// and the form to create one.
    public static func users(_ ctx: PortalContext, users: PortalList<PortalUser>) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + users.items.count * 700)
        p.begin(title: p.t("users.title"), section: .users, path: .users)
        let isCass = ctx.viewer?.kind == .cassOperator
        p.sectionStart("users-list", p.t("users.list"))
        var headers = [p.t("field.username"), p.t("field.name"), p.t("field.email"), p.t("field.role"), p.t("field.language"), p.t("field.operations"), p.t("field.state")]
        if isCass { headers.insert(p.t("field.company"), at: 1) }
        p.tableStart(caption: p.t("users.list"), headers: headers, captionHidden: true)
        if users.items.isEmpty { p.emptyRow(columns: headers.count, p.t("users.none")) }
        for user in users.items {
            p.w.raw("<tr><td>")
            if let href = PortalHref.user(user.username) {
                p.w.raw("<a href=\"")
                p.w.attribute(href.value)
                p.w.raw("\"><bdi dir=\"ltr\">")
                p.w.text(user.username)
                p.w.raw("</bdi></a>")
            } else {
                p.code(user.username)
            }
            p.w.raw("</td>")
            if isCass { p.tdCode(user.company) }
            p.tdIsolated(user.name, limit: 200)
            p.tdCode(user.email)
            p.td(p.t.label("role", user.role.rawValue))
            p.td(PortalLanguage(tag: user.language).flatMap { PortalCatalog.value($0, "language.self") } ?? user.language)
            p.tdCode(operationsText(user.operations, p.t))
            p.w.raw("<td>")
            p.w.raw(user.disabled ? "<span class=\"badge badge-disabled\">" : "<span class=\"badge badge-accepted\">")
            p.w.text(p.t(user.disabled ? "users.disabled" : "users.enabled"))
            p.w.raw("</span></td></tr>")
        }
        p.tableEnd()
        p.nextPageLink(.users, users.next)
        p.sectionEnd()

        p.sectionStart("user-create", p.t("users.create"))
        p.postForm(.users, .userCreate)
        p.field(.userCreate, "username", label: p.t("field.username"),
                options: .init(required: true, autocomplete: "off", hint: p.t("users.usernameHint"),
                               extra: " pattern=\"[a-z0-9._\\-]{3,64}\" maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\""))
        if isCass {
            p.field(.userCreate, "company", label: p.t("field.company"),
                    options: .init(required: true, autocomplete: "off", hint: p.t("users.companyHint"), extra: " spellcheck=\"false\""))
        }
        p.field(.userCreate, "name", label: p.t("field.name"), options: .init(required: true, autocomplete: "off", extra: " maxlength=\"200\""))
        p.field(.userCreate, "email", label: p.t("field.email"), options: .init(type: "email", required: true, extra: " maxlength=\"254\""))
        p.select(.userCreate, "role", label: p.t("field.role"),
                 options: roles(for: isCass ? nil : ctx.viewer?.kind).map { ($0.rawValue, p.t.label("role", $0.rawValue)) }, selected: "viewer")
        p.select(.userCreate, "language", label: p.t("field.language"), options: languageOptions(p.t), selected: ctx.language.rawValue)
        p.field(.userCreate, "operations", label: p.t("field.operations"), value: "*",
                options: .init(hint: p.t("users.operationsHint"), extra: " autocomplete=\"off\" spellcheck=\"false\""))
        p.field(.userCreate, "password", label: p.t("field.password"),
                options: .init(type: "password", required: true, autocomplete: "new-password", hint: p.t("users.passwordHint"), extra: " minlength=\"12\""))
        p.submit(p.t("users.createSubmit"))
        p.formEnd()
        p.sectionEnd()
        return p.end()
    }

    static func operationsText(_ operations: [String], _ t: PortalCatalog) -> String {
        operations.isEmpty || operations == ["*"] ? t("users.allOperations") : operations.joined(separator: " ")
    }

    /// `/users/{username}` (admins): edit role, name, e-mail, language,
    /// operations and whether the user is disabled; delete.
    public static func user(_ ctx: PortalContext, user: PortalUser) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024)
        let path = PortalHref.user(user.username) ?? .users
        p.begin(title: p.t("user.title", ["username": user.username]), section: .users, path: path)
        p.w.raw("<dl class=\"facts\">")
        p.term(p.t("field.username")); p.w.raw("<dd>"); p.code(user.username); p.w.raw("</dd>")
        p.term(p.t("field.company")); p.w.raw("<dd>"); p.code(user.company); p.w.raw("</dd>")
        p.w.raw("</dl>")
        guard PortalID.isUsername(user.username) else { return p.end() }
        p.sectionStart("user-edit", p.t("user.edit"))
        p.postForm(path, .userEdit)
        p.field(.userEdit, "name", label: p.t("field.name"), value: user.name, options: .init(required: true, autocomplete: "off", extra: " maxlength=\"200\""))
        p.field(.userEdit, "email", label: p.t("field.email"), value: user.email, options: .init(type: "email", required: true, extra: " maxlength=\"254\""))
        p.select(.userEdit, "role", label: p.t("field.role"),
                 options: roles(for: PortalCompanyKind(companyID: user.company)).map { ($0.rawValue, p.t.label("role", $0.rawValue)) }, selected: user.role.rawValue)
        p.select(.userEdit, "language", label: p.t("field.language"), options: languageOptions(p.t), selected: PortalLanguage(tag: user.language)?.rawValue ?? "en")
        p.field(.userEdit, "operations", label: p.t("field.operations"), value: user.operations.joined(separator: " "),
                options: .init(hint: p.t("users.operationsHint"), extra: " autocomplete=\"off\" spellcheck=\"false\""))
        let disabled = p.ctx.form?.form == .userEdit ? p.ctx.form?.values["disabled"] == "true" : user.disabled
        p.choices(.userEdit, "disabled", legend: p.t("field.state"),
                  options: [("false", p.t("users.enabled")), ("true", p.t("users.disabled"))], checked: [disabled ? "true" : "false"], radio: true)
        p.submit(p.t("form.save"))
        p.formEnd()
        p.sectionEnd()
        if let action = PortalHref.userDelete(user.username) {
            p.sectionStart("user-delete", p.t("user.delete"))
            p.w.raw("<p>")
            p.w.text(p.t("user.deleteHint"))
            p.w.raw("</p>")
            p.buttonForm(action, p.t("user.deleteSubmit"), object: user.username, classes: "form", danger: true)
            p.sectionEnd()
        }
        return p.end()
    }

    /// `/settings` (admins; the `cass` admin edits another company's with
    /// `?company=`): language, document formats, distribution, webhooks,
    /// e-mails and, for agents, direct debit. The form sends the whole
    /// object back (the service PUTs it).
    public static func settings(_ ctx: PortalContext, settings: PortalSettings) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024)
        p.begin(title: p.t("settings.title"), section: .settings, path: .settings)
        let editingOther = ctx.viewer?.company != settings.company
        if editingOther {
            p.w.raw("<p class=\"lead\">")
            p.w.text(p.t("settings.forCompany", ["company": settings.company]))
            p.w.raw("</p>")
        }
        var action = PortalHref.settings
        if editingOther, PortalID.isCompany(settings.company) { action = action.query([("company", settings.company)]) }
        p.postForm(action, .settings)
        if editingOther, PortalID.isCompany(settings.company) { p.w.hidden("company", settings.company) }
        p.select(.settings, "language", label: p.t("settings.language"), options: languageOptions(p.t),
                 selected: PortalLanguage(tag: settings.language)?.rawValue ?? "en")
        let formats = multiValues(ctx, .settings, "formats", settings.formats)
        p.choices(.settings, "formats", legend: p.t("settings.formats"),
                  options: PortalDocumentFormat.allCases.map { ($0.rawValue, p.t("document." + $0.rawValue)) }, checked: formats)
        let distribution = multiValues(ctx, .settings, "distribution", settings.distribution)
        p.choices(.settings, "distribution", legend: p.t("settings.distribution"),
                  options: [("download", p.t("settings.download")), ("sftp", p.t("settings.sftp"))], checked: distribution)
        p.w.raw("<fieldset class=\"field webhooks\"><legend>")
        p.w.text(p.t("settings.webhooks"))
        p.w.raw("</legend><p class=\"hint\">")
        p.w.text(p.t("settings.webhooksHint"))
        p.w.raw("</p>")
        let rows = settings.webhooks.prefix(20) + [PortalWebhook(url: "", secret: "")]
        for (index, hook) in rows.enumerated() {
            let n = String(index)
            p.w.raw("<div class=\"pair\"><div class=\"field\"><label for=\"settings-webhookUrl-")
            p.w.rawTrusted(n)
            p.w.raw("\">")
            p.w.text(p.t("settings.webhookUrl", ["n": String(index + 1)]))
            p.w.raw("</label><input type=\"url\" name=\"webhookUrl\" id=\"settings-webhookUrl-")
            p.w.rawTrusted(n)
            p.w.raw("\" value=\"")
            p.w.attribute(hook.url)
            p.w.raw("\" spellcheck=\"false\"></div><div class=\"field\"><label for=\"settings-webhookSecret-")
            p.w.rawTrusted(n)
            p.w.raw("\">")
            p.w.text(p.t("settings.webhookSecret", ["n": String(index + 1)]))
            p.w.raw("</label><input type=\"password\" name=\"webhookSecret\" id=\"settings-webhookSecret-")
            p.w.rawTrusted(n)
            p.w.raw("\" value=\"")
            p.w.attribute(hook.secret)
            p.w.raw("\" autocomplete=\"new-password\"></div></div>")
            // Allowed, but said: the event and its signature go in the clear.
            if hook.url.lowercased().hasPrefix("http://") {
                p.w.raw("<p class=\"warning\" role=\"note\">")
                p.w.text(p.t("settings.webhookPlainHttp", ["n": String(index + 1)]))
                p.w.raw("</p>")
            }
        }
        for error in ctx.errors(.settings, "webhookUrl") + ctx.errors(.settings, "webhooks") { p.w.wrap("<p class=\"error\">", error, "</p>") }
        p.w.raw("</fieldset>")
        p.textArea(.settings, "emails", label: p.t("settings.emails"), value: settings.emails.joined(separator: "\n"), hint: p.t("settings.emailsHint"))
        if let directDebit = settings.directDebit {
            let value = ctx.form?.form == .settings ? (ctx.form?.values["directDebit"] ?? "false") : (directDebit ? "true" : "false")
            p.choices(.settings, "directDebit", legend: p.t("payments.directDebit"),
                      options: [("true", p.t("payments.directDebitChoiceOn")), ("false", p.t("payments.directDebitChoiceOff"))], checked: [value], radio: true)
        }
        p.submit(p.t("form.save"))
        p.formEnd()
        return p.end()
    }

    /// Checked values of a multi-valued field: what the user sent back
    /// (space-separated in `values`) when the form was refused, else the
    /// stored ones.
    static func multiValues(_ ctx: PortalContext, _ form: PortalFormName, _ field: String, _ stored: [String]) -> Set<String> {
        if let state = ctx.form, state.form == form { return Set((state.values[field] ?? "").split(separator: " ").map(String.init)) }
        return Set(stored)
    }

    /// `/account`: the user's own name, e-mail and language, and the
    /// password change.
    public static func account(_ ctx: PortalContext, user: PortalUser) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 12 * 1024)
        p.begin(title: p.t("account.title"), section: .account, path: .account)
        p.w.raw("<dl class=\"facts\">")
        p.term(p.t("field.username")); p.w.raw("<dd>"); p.code(user.username); p.w.raw("</dd>")
        p.term(p.t("field.company")); p.w.raw("<dd>"); p.code(user.company); p.w.raw("</dd>")
        p.term(p.t("field.role")); p.w.wrap("<dd>", p.t.label("role", user.role.rawValue), "</dd>")
        p.term(p.t("field.operations")); p.w.raw("<dd>"); p.code(operationsText(user.operations, p.t)); p.w.raw("</dd>")
        p.w.raw("</dl>")
        p.sectionStart("account-edit", p.t("account.profile"))
        p.postForm(.account, .account)
        p.field(.account, "name", label: p.t("field.name"), value: user.name, options: .init(required: true, autocomplete: "name", extra: " maxlength=\"200\""))
        p.field(.account, "email", label: p.t("field.email"), value: user.email, options: .init(type: "email", required: true, autocomplete: "email", extra: " maxlength=\"254\""))
        p.select(.account, "language", label: p.t("field.language"), options: languageOptions(p.t), selected: PortalLanguage(tag: user.language)?.rawValue ?? ctx.language.rawValue)
        p.submit(p.t("form.save"))
        p.formEnd()
        p.sectionEnd()
        p.sectionStart("account-password", p.t("account.password"))
        p.postForm(.accountPassword, .password)
        p.field(.password, "currentPassword", label: p.t("field.currentPassword"),
                options: .init(type: "password", required: true, autocomplete: "current-password"))
        p.field(.password, "newPassword", label: p.t("field.newPassword"),
                options: .init(type: "password", required: true, autocomplete: "new-password", hint: p.t("users.passwordHint"), extra: " minlength=\"12\""))
        p.submit(p.t("account.passwordSubmit"))
        p.formEnd()
        p.sectionEnd()
        return p.end()
    }
}
