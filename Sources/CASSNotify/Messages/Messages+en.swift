// Messages in en: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `en.txt`.
extension MessageCatalog {
    static let en = #"""
invoiceIssued.subject = CASS invoice {number} for period {period}
invoiceIssued.body = Agent {agent},\n\nCASS {country} has issued invoice {number} for billing period {period}.\nTotal: {total} {currency}\nDue date: {dueDate}\n\nThe invoice is attached as a PDF.\n\nCASS {country}
fileAccepted.subject = CASS file {file} accepted
fileAccepted.body = Billing file {file} from airline {airline} for CASS {country}, period {period}, has been accepted.\nAccepted records: {accepted}\nRejected records: {rejected}\n\nRejected records, if any, are listed in the rejection report.
fileRejected.subject = CASS file {file} rejected ({code})
fileRejected.body = Billing file {file} from airline {airline} has been rejected.\nReason {code}: {message}\n\nPlease correct the file and submit it again.
periodClosed.subject = CASS {country}: period {period} closed
periodClosed.body = Billing period {period} of CASS {country} is closed.\nInvoices issued: {invoices}\nTotal: {total} {currency}
"""#
}
