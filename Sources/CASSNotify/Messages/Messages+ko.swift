// Messages in ko: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `ko.txt`.
extension MessageCatalog {
    static let ko = #"""
invoiceIssued.subject = CASS 청구서 {number} (청구 기간 {period})
invoiceIssued.body = 대리점 {agent} 귀하\n\nCASS {country}에서 청구 기간 {period}의 청구서 {number}을(를) 발행했습니다.\n총액: {total} {currency}\n납부 기한: {dueDate}\n\n청구서는 PDF로 첨부되어 있습니다.\n\nCASS {country}
fileAccepted.subject = CASS 파일 {file} 승인됨
fileAccepted.body = 항공사 {airline}의 CASS {country}, 청구 기간 {period} 청구 파일 {file}이(가) 승인되었습니다.\n승인된 레코드: {accepted}\n거부된 레코드: {rejected}\n\n거부된 레코드는 거부 보고서에 있습니다.
fileRejected.subject = CASS 파일 {file} 거부됨 ({code})
fileRejected.body = 항공사 {airline}의 청구 파일 {file}이(가) 거부되었습니다.\n사유 {code}: {message}\n\n파일을 수정하여 다시 제출해 주십시오.
periodClosed.subject = CASS {country} 청구 기간 {period} 마감
periodClosed.body = CASS {country}의 청구 기간 {period}이(가) 마감되었습니다.\n발행된 청구서: {invoices}\n총액: {total} {currency}
"""#
}
