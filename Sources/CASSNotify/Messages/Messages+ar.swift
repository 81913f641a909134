// Messages in ar: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `ar.txt`.
extension MessageCatalog {
    static let ar = #"""
invoiceIssued.subject = فاتورة CASS رقم {number} للفترة {period}
invoiceIssued.body = الوكيل {agent}،\n\nأصدر CASS {country} الفاتورة رقم {number} لفترة الفوترة {period}.\nالمبلغ الإجمالي: {total} {currency}\nتاريخ الاستحقاق: {dueDate}\n\nالفاتورة مرفقة بصيغة PDF.\n\nCASS {country}
fileAccepted.subject = تم قبول ملف CASS {file}
fileAccepted.body = تم قبول ملف الفوترة {file} المقدم من شركة الطيران {airline} إلى CASS {country} للفترة {period}.\nالسجلات المقبولة: {accepted}\nالسجلات المرفوضة: {rejected}\n\nالسجلات المرفوضة مدرجة في تقرير الرفض.
fileRejected.subject = تم رفض ملف CASS {file} ({code})
fileRejected.body = تم رفض ملف الفوترة {file} المقدم من شركة الطيران {airline}.\nالسبب {code}: {message}\n\nيرجى تصحيح الملف وإرساله مرة أخرى.
periodClosed.subject = إغلاق فترة الفوترة {period} في CASS {country}
periodClosed.body = تم إغلاق فترة الفوترة {period} في CASS {country}.\nالفواتير الصادرة: {invoices}\nالمبلغ الإجمالي: {total} {currency}
"""#
}
