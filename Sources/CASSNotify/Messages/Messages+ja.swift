// Messages in ja: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `ja.txt`.
extension MessageCatalog {
    static let ja = #"""
invoiceIssued.subject = CASS 請求書 {number}（請求期間 {period}）
invoiceIssued.body = 代理店 {agent} 様\n\nCASS {country} は請求期間 {period} の請求書 {number} を発行しました。\n合計金額：{total} {currency}\n支払期日：{dueDate}\n\n請求書は PDF で添付しています。\n\nCASS {country}
fileAccepted.subject = CASS ファイル {file} を受理しました
fileAccepted.body = 航空会社 {airline} の CASS {country}・請求期間 {period} の請求ファイル {file} を受理しました。\n受理レコード数：{accepted}\n却下レコード数：{rejected}\n\n却下されたレコードは却下レポートに記載されています。
fileRejected.subject = CASS ファイル {file} を却下しました（{code}）
fileRejected.body = 航空会社 {airline} の請求ファイル {file} は却下されました。\n理由 {code}：{message}\n\nファイルを修正して再提出してください。
periodClosed.subject = CASS {country} 請求期間 {period} の締め処理が完了しました
periodClosed.body = CASS {country} の請求期間 {period} は締め切られました。\n発行済み請求書：{invoices}\n合計金額：{total} {currency}
"""#
}
