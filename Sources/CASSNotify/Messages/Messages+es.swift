// Messages in es: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `es.txt`.
extension MessageCatalog {
    static let es = #"""
invoiceIssued.subject = Factura CASS {number} del período {period}
invoiceIssued.body = Agente {agent}:\n\nCASS {country} ha emitido la factura {number} del período de facturación {period}.\nImporte total: {total} {currency}\nFecha de vencimiento: {dueDate}\n\nLa factura se adjunta en formato PDF.\n\nCASS {country}
fileAccepted.subject = Archivo CASS {file} aceptado
fileAccepted.body = El archivo de facturación {file} de la aerolínea {airline} para CASS {country}, período {period}, ha sido aceptado.\nRegistros aceptados: {accepted}\nRegistros rechazados: {rejected}\n\nLos registros rechazados figuran en el informe de rechazos.
fileRejected.subject = Archivo CASS {file} rechazado ({code})
fileRejected.body = El archivo de facturación {file} de la aerolínea {airline} ha sido rechazado.\nMotivo {code}: {message}\n\nCorrija el archivo y envíelo de nuevo.
periodClosed.subject = CASS {country}: período {period} cerrado
periodClosed.body = El período de facturación {period} de CASS {country} está cerrado.\nFacturas emitidas: {invoices}\nImporte total: {total} {currency}
"""#
}
