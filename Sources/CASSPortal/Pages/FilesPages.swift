import CASSDomain

extension PortalPages {
    /// `/files`: the upload form (airline `input`/`admin`, the `cass`
    /// admin), the filters, and the files with status, counts, a link to
    /// each one's rejection report and a withdraw button per withdrawable
    /// file. The list refreshes itself on `file.*` events.
    public static func files(_ ctx: PortalContext, files: PortalList<PortalFile>, filters: PortalFilters = PortalFilters()) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 64 * 1024 + files.items.count * 900)
        let abilities = ctx.abilities
        p.begin(title: p.t("files.title"), section: .files, path: .files, live: true)
        if abilities.uploadsFiles { uploadForm(&p) }

        p.sectionStart("files-list", p.t("files.list"))
        p.filterStart(.files)
        p.countryFilter(selected: filters.validCountry)
        p.filterText("period", label: p.t("field.period"), value: filters.validPeriod, pattern: "[0-9]{8}")
        p.filterSelect("status", label: p.t("field.status"), options: fileStatuses.map { ($0, p.t.label("status.file", $0)) },
                       selected: filters.validStatus(fileStatuses))
        p.filterEnd()
        p.w.raw("<div id=\"files-live\" data-live=\"file. period.\">")
        var headers = [p.t("field.file"), p.t("field.status"), p.t("field.airline"), p.t("field.country"), p.t("field.period"),
                       p.t("field.sequence"), p.t("field.records"), p.t("field.accepted"), p.t("field.rejected"), p.t("field.fileCode"),
                       p.t("field.submitted")]
        if abilities.withdrawsFiles { headers.append(p.t("field.actions")) }
        p.tableStart(caption: p.t("files.list"), headers: headers, numeric: [5, 6, 7, 8], captionHidden: true)
        if files.items.isEmpty { p.emptyRow(columns: headers.count, p.t("files.none")) }
        for file in files.items {
            p.w.raw("<tr><td>")
            if let href = PortalHref.file(file.id) {
                p.w.raw("<a href=\"")
                p.w.attribute(href.value)
                p.w.raw("\"><bdi>")
                p.w.text(PageBuilder.clip(file.name, 200))
                p.w.raw("</bdi></a>")
            } else {
                p.isolated(file.name, limit: 200)
            }
            p.w.raw("</td><td>")
            p.badge("status.file", file.status)
            p.w.raw("</td>")
            p.tdCode(file.airline)
            p.tdCode(file.country)
            p.tdCode(file.period)
            if let sequence = file.fileSequence { p.tdNumber(sequence) } else { p.w.raw("<td class=\"num\">–</td>") }
            p.tdNumber(file.records)
            p.tdNumber(file.accepted)
            p.w.raw("<td class=\"num\">")
            if (file.rejected > 0 || file.status == "rejected"), let href = PortalHref.file(file.id) {
                p.w.raw("<a href=\"")
                p.w.attribute(href.fragment("rejections").value)
                p.w.raw("\">")
                p.w.text(p.f.number(file.rejected))
                p.w.raw("<span class=\"vh\"> ")
                p.w.text(p.t("files.rejectionsOf", ["file": PageBuilder.clip(file.name, 200)]))
                p.w.raw("</span></a>")
            } else {
                p.w.text(p.f.number(file.rejected))
            }
            p.w.raw("</td>")
            p.tdCode(file.fileCode ?? "")
            p.w.raw("<td>")
            if let at = file.submittedAt { p.dateTime(at) }
            if !file.submittedBy.isEmpty {
                p.w.raw("<br><span class=\"muted\"><bdi>")
                p.w.text(PageBuilder.clip(file.submittedBy, 64))
                p.w.raw("</bdi></span>")
            }
            p.w.raw("</td>")
            if abilities.withdrawsFiles {
                p.w.raw("<td>")
                if file.withdrawable, let action = PortalHref.fileWithdraw(file.id) {
                    p.buttonForm(action, p.t("files.withdraw"), object: file.name, danger: true)
                }
                p.w.raw("</td>")
            }
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.nextPageLink(.files, files.next, extra: filters.query(status: fileStatuses))
        p.w.raw("</div>")
        p.sectionEnd()
        return p.end()
    }

    /// The upload form: one file input named `file`, two buttons (upload,
    /// validate only). Without JavaScript it is a plain multipart POST; with
    /// it, `portal.js` sends the same form with a progress bar.
    static func uploadForm(_ p: inout PageBuilder) {
        p.sectionStart("upload", p.t("files.upload"))
        p.postForm(.files, .upload, multipart: true, upload: true)
        p.field(.upload, "file", label: p.t("field.billingFile"),
                options: .init(type: "file", required: true, hint: p.t("files.uploadHint"), extra: " accept=\".cbf,.txt,.xml,.dat,text/plain,application/xml\""))
        p.w.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\">")
        p.w.text(p.t("files.uploadSubmit"))
        p.w.raw("</button><button type=\"submit\" formaction=\"")
        p.w.attribute(PortalHref.filesValidate.value)
        p.w.raw("\">")
        p.w.text(p.t("files.validateSubmit"))
        p.w.raw("</button></div><div class=\"progress\" hidden><label for=\"upload-progress\">")
        p.w.text(p.t("files.progress"))
        p.w.raw("</label><progress id=\"upload-progress\" max=\"100\" value=\"0\"></progress><span class=\"progress-text\" role=\"status\" aria-live=\"polite\"></span></div>")
        p.formEnd()
        p.sectionEnd()
    }

    /// `/files/{id}`: the file's figures, its download and withdraw
    /// buttons, and its rejection report.
    public static func file(_ ctx: PortalContext, file: PortalFile, rejections: PortalList<PortalRejection>) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + rejections.items.count * 400)
        let abilities = ctx.abilities
        let path = PortalHref.file(file.id) ?? .files
        p.begin(title: p.t("file.title", ["file": PageBuilder.clip(file.name, 120)]), section: .files, path: path, live: true)
        p.w.raw("<div id=\"file-live\" data-live=\"file.\">")
        p.w.raw("<dl class=\"facts\">")
        p.term(p.t("field.status")); p.w.raw("<dd>"); p.badge("status.file", file.status); p.w.raw("</dd>")
        p.term(p.t("field.airline")); p.w.raw("<dd>"); p.code(file.airline); p.w.raw("</dd>")
        p.term(p.t("field.country")); p.w.raw("<dd>"); p.code(file.country); p.w.raw("</dd>")
        p.term(p.t("field.period")); p.w.raw("<dd>"); p.code(file.period); p.w.raw("</dd>")
        p.term(p.t("field.sequence")); p.w.wrap("<dd>", file.fileSequence.map { p.f.number($0) } ?? "–", "</dd>")
        p.term(p.t("field.records")); p.w.wrap("<dd>", p.f.number(file.records), "</dd>")
        p.term(p.t("field.accepted")); p.w.wrap("<dd>", p.f.number(file.accepted), "</dd>")
        p.term(p.t("field.rejected")); p.w.wrap("<dd>", p.f.number(file.rejected), "</dd>")
        if let code = file.fileCode { p.term(p.t("field.fileCode")); p.w.raw("<dd>"); p.code(code); p.w.raw("</dd>") }
        p.term(p.t("field.submittedBy")); p.w.raw("<dd>"); p.isolated(file.submittedBy, limit: 64); p.w.raw("</dd>")
        if let at = file.submittedAt { p.term(p.t("field.submitted")); p.w.raw("<dd>"); p.dateTime(at); p.w.raw("</dd>") }
        p.w.raw("</dl><div class=\"actions\">")
        if abilities.downloadsFiles, let href = PortalHref.fileContent(file.id) {
            p.w.link(href, p.t("file.download"), attributes: " class=\"button\" download")
        }
        if abilities.withdrawsFiles, file.withdrawable, let action = PortalHref.fileWithdraw(file.id) {
            p.buttonForm(action, p.t("files.withdraw"), object: file.name, danger: true)
        }
        p.w.raw("</div>")
        p.w.raw("<section aria-labelledby=\"rejections\"><h2 id=\"rejections\">")
        p.w.text(p.t("file.rejections"))
        p.w.raw("</h2>")
        rejectionTable(&p, rejections.items, caption: p.t("file.rejections"))
        p.nextPageLink(path, rejections.next)
        p.w.raw("</section></div>")
        return p.end()
    }

    static func rejectionTable(_ p: inout PageBuilder, _ rows: [PortalRejection], caption: String) {
        let headers = [p.t("field.sequence"), p.t("field.code"), p.t("field.awb"), p.t("field.field"), p.t("field.message")]
        p.tableStart(caption: caption, headers: headers, numeric: [0], captionHidden: true)
        if rows.isEmpty { p.emptyRow(columns: headers.count, p.t("file.noRejections")) }
        for row in rows {
            p.w.raw("<tr>")
            if row.sequence == 0 { p.w.wrap("<td class=\"num\">", p.t("file.fileLevel"), "</td>") } else { p.tdNumber(row.sequence) }
            p.w.raw("<td>")
            p.code(row.code)
            p.codeDescription(row.code)
            p.w.raw("</td>")
            p.tdCode(row.awb)
            p.tdCode(row.field)
            p.tdIsolated(row.message, limit: 1000)
            p.w.raw("</tr>")
        }
        p.tableEnd()
    }

    /// What `/files/validate` answers: what the file would get now; nothing
    /// was kept.
    public static func validation(_ ctx: PortalContext, result: PortalValidation) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + result.rejections.count * 400)
        p.begin(title: p.t("validation.title", ["file": PageBuilder.clip(result.name, 120)]), section: .files, path: .files)
        p.w.raw("<p class=\"lead\">")
        p.w.text(p.t("validation.intro"))
        p.w.raw("</p><dl class=\"facts\">")
        p.term(p.t("validation.outcome"))
        p.w.raw("<dd>")
        if let code = result.fileCode {
            p.w.raw("<span class=\"badge badge-rejected\">")
            p.w.text(p.t("validation.fileRejected"))
            p.w.raw("</span> ")
            p.code(code)
            p.codeDescription(code)
        } else {
            p.w.raw("<span class=\"badge badge-accepted\">")
            p.w.text(p.t("validation.fileAccepted"))
            p.w.raw("</span>")
        }
        p.w.raw("</dd>")
        p.term(p.t("field.records")); p.w.wrap("<dd>", p.f.number(result.records), "</dd>")
        p.term(p.t("field.accepted")); p.w.wrap("<dd>", p.f.number(result.accepted), "</dd>")
        p.term(p.t("field.rejected")); p.w.wrap("<dd>", p.f.number(max(0, result.records - result.accepted)), "</dd>")
        p.w.raw("</dl>")
        p.sectionStart("rejections", p.t("file.rejections"))
        rejectionTable(&p, result.rejections, caption: p.t("file.rejections"))
        p.sectionEnd()
        p.w.raw("<p>")
        p.w.link(.files, p.t("validation.back"))
        p.w.raw("</p>")
        return p.end()
    }
}
