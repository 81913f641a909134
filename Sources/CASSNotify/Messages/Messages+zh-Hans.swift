// Messages in zh-Hans: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `zh-Hans.txt`.
extension MessageCatalog {
    static let zhHans = #"""
invoiceIssued.subject = CASS 发票 {number}（账期 {period}）
invoiceIssued.body = 代理人 {agent}：\n\nCASS {country} 已开具账期 {period} 的发票 {number}。\n总金额：{total} {currency}\n到期日：{dueDate}\n\n发票以 PDF 附件形式发送。\n\nCASS {country}
fileAccepted.subject = CASS 文件 {file} 已接受
fileAccepted.body = 航空公司 {airline} 提交的 CASS {country} 账期 {period} 结算文件 {file} 已被接受。\n已接受记录：{accepted}\n已拒绝记录：{rejected}\n\n被拒绝的记录列于拒绝报告中。
fileRejected.subject = CASS 文件 {file} 被拒绝（{code}）
fileRejected.body = 航空公司 {airline} 提交的结算文件 {file} 已被拒绝。\n原因 {code}：{message}\n\n请更正文件后重新提交。
periodClosed.subject = CASS {country} 账期 {period} 已关闭
periodClosed.body = CASS {country} 的结算账期 {period} 已关闭。\n已开具发票：{invoices}\n总金额：{total} {currency}
"""#
}
