import CASSDomain
import CASSPortal
import Foundation

/// `cass-bench portal [--invoices N] [--iterations N] [--only PAGE] [--preview DIR]`:
/// renders every portal page for a user with N invoices (default 1,000)
/// and prints p50/p99/max per page in milliseconds; with `--preview`, also
/// writes every page of every role and language to DIR (with the static
/// files) for a browser to open. Times one page at a time, single thread:
/// the server's cost per request.
func runPortalBench(_ arguments: [String]) {
    var invoiceCount = 1000, iterations = 200
    var preview: String?
    var only: String?
    var args = arguments
    while !args.isEmpty {
        let arg = args.removeFirst()
        let value = args.isEmpty ? "" : args.removeFirst()
        switch arg {
        case "--invoices": invoiceCount = Int(value) ?? invoiceCount
        case "--iterations": iterations = max(1, Int(value) ?? iterations)
        case "--preview": preview = value
        case "--only": only = value
        default:
            FileHandle.standardError.write(Data("cass-bench portal: unknown option \(arg)\n".utf8))
            exit(2)
        }
    }
    if let preview { writePortalPreview(to: preview) }

    let invoices = PortalSamples.invoices(count: invoiceCount)
    let totals = PortalSamples.totals(invoices)
    let files = PortalSamples.files(count: invoiceCount)
    let risk = PortalSamples.risk(count: invoiceCount)
    let payments = PortalSamples.payments(count: invoiceCount)
    let invoice = PortalSamples.invoice(lines: invoiceCount)
    let statistics = PortalSamples.statistics()
    let disputes = (0..<invoiceCount).map { _ in PortalSamples.dispute() }
    print("cass-bench portal: \(invoiceCount) items per list, \(iterations) renders per page and language")
    print("page                    lang      p50 ms    p99 ms    max ms      KiB")
    var worst = 0.0
    for language in [PortalLanguage.en, .ar, .ja] {
        let agent = PortalSamples.context(.agentGroup, role: .admin, language: language)
        let airline = PortalSamples.context(.airline, role: .admin, language: language)
        let cases: [(String, () -> [UInt8])] = [
            ("invoices (\(invoiceCount))", { PortalPages.invoices(agent, invoices: PortalList(items: invoices), totals: totals) }),
            ("invoice (\(invoiceCount) lines)", { PortalPages.invoice(agent, invoice: invoice) }),
            ("payments (\(invoiceCount))", { PortalPages.payments(agent, payments: PortalList(items: payments), wallet: PortalSamples.wallet(), directDebit: true, outstanding: invoices) }),
            ("disputes (\(invoiceCount))", { PortalPages.disputes(agent, disputes: PortalList(items: disputes)) }),
            ("risk (\(invoiceCount))", { PortalPages.risk(agent, items: PortalList(items: risk)) }),
            ("statistics", { PortalPages.statistics(agent, statistics: statistics) }),
            ("files (\(invoiceCount))", { PortalPages.files(airline, files: PortalList(items: files)) }),
            ("login", { PortalPages.login(agent) }),
        ]
        for (name, render) in cases where only.map({ name.hasPrefix($0) }) ?? true {
            var samples: [Double] = []
            samples.reserveCapacity(iterations)
            var bytes = 0
            for _ in 0..<iterations {
                let start = DispatchTime.now().uptimeNanoseconds
                let page = render()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                bytes = page.count
            }
            samples.sort()
            let p50 = samples[samples.count / 2]
            let p99 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))]
            worst = max(worst, p99)
            let label = name.padding(toLength: 24, withPad: " ", startingAt: 0) + language.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            print(label + String(format: "%8.2f  %8.2f  %8.2f  %7.0f", p50, p99, samples.last ?? 0, Double(bytes) / 1024))
        }
    }
    print(String(format: "worst p99: %.2f ms (budget 50 ms)", worst))
}

/// Every page of every role in every language, plus the static files, as
/// files a browser opens (`DIR/en/agent-admin/invoices.html`...). Links in
/// them point at the service's paths, so they are for looking and for
/// accessibility audits, not for clicking through.
func writePortalPreview(to directory: String) {
    let root = URL(fileURLWithPath: directory)
    let roles: [(String, PortalCompanyKind, PortalRole)] = [
        ("cass-admin", .cassOperator, .admin), ("airline-input", .airline, .input), ("airline-admin", .airline, .admin),
        ("agent-output", .agent, .output), ("group-admin", .agentGroup, .admin), ("agent-viewer", .agent, .viewer),
    ]
    do {
        let staticDir = root.appendingPathComponent("static")
        try FileManager.default.createDirectory(at: staticDir, withIntermediateDirectories: true)
        for asset in PortalAssets.all {
            try Data(asset.bytes).write(to: root.appendingPathComponent(String(asset.path.dropFirst())))
        }
        var count = 0
        for language in PortalLanguage.allCases {
            for (name, kind, role) in roles {
                let dir = root.appendingPathComponent(language.rawValue).appendingPathComponent(name)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for page in PortalSamples.allPages(kind, role: role, language: language) {
                    try Data(page.html).write(to: dir.appendingPathComponent(page.name + ".html"))
                    count += 1
                }
            }
        }
        print("cass-bench portal: wrote \(count) pages to \(root.path)")
    } catch {
        FileHandle.standardError.write(Data("cass-bench portal: \(error)\n".utf8))
        exit(1)
    }
}
