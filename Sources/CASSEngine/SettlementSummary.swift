import CASSDomain

/// The machine-readable settlement summary of settlement.md: three CSV
/// files, sorted as the spec says, amounts as plain integers. Text fields
/// go through `CSV.escape` (RFC 4180): a file name, or a header's raw
/// positions, holding a comma, a quote or a line break never adds a field
/// or a row.
public enum SettlementSummary {
    public static func agentsCSV(_ invoices: [Invoice]) -> String {
        var out = "country,period,agent,currency,invoice_number,lines,net_due,tax_charged,tax_credited,total\n"
        let sorted = invoices.sorted { ($0.agentCode, $0.country, $0.period.yyyymmnn) < ($1.agentCode, $1.country, $1.period.yyyymmnn) }
        for i in sorted {
            out += "\(CSV.escape(i.country)),\(i.period),\(i.agentCodeText),\(CSV.escape(i.currency)),\(CSV.escape(i.number)),\(i.lineCount),\(i.netDue),\(i.taxCharged),\(i.taxCredited),\(i.total)\n"
        }
        return out
    }

    public static func airlinesCSV(_ disbursements: [Disbursement]) -> String {
        var out = "country,period,airline,currency,agents,disbursement\n"
        let sorted = disbursements.sorted { ($0.airlinePrefix, $0.country, $0.period.yyyymmnn) < ($1.airlinePrefix, $1.country, $1.period.yyyymmnn) }
        for d in sorted {
            out += "\(CSV.escape(d.country)),\(d.period),\(Padding.zeros(String(d.airlinePrefix), to: 3)),\(CSV.escape(d.currency)),\(d.agents),\(d.amount)\n"
        }
        return out
    }

    public static func rejectionsCSV(_ rejections: [Rejection]) -> String {
        var out = "file,airline,country,period,sequence,code,awb\n"
        for r in sortedRejections(rejections) {
            out += "\(CSV.escape(r.file)),\(CSV.escape(r.airline)),\(CSV.escape(r.country)),\(CSV.escape(r.period)),\(r.sequence),\(r.code.rawValue),\(CSV.escape(r.awb))\n"
        }
        return out
    }

    /// By file name (bytewise), then sequence number.
    public static func sortedRejections(_ rejections: [Rejection]) -> [Rejection] {
        rejections.sorted {
            // Byte order of the names, compared in place (copying both
            // names per comparison dominated writing the results).
            if $0.file != $1.file { return $0.file.utf8.lexicographicallyPrecedes($1.file.utf8) }
            return $0.sequence < $1.sequence
        }
    }
}
