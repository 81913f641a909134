// Messages in de: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `de.txt`.
extension MessageCatalog {
    static let de = #"""
invoiceIssued.subject = CASS-Rechnung {number} für Periode {period}
invoiceIssued.body = Agent {agent},\n\nCASS {country} hat die Rechnung {number} für die Abrechnungsperiode {period} ausgestellt.\nGesamtbetrag: {total} {currency}\nFälligkeitsdatum: {dueDate}\n\nDie Rechnung ist als PDF angehängt.\n\nCASS {country}
fileAccepted.subject = CASS-Datei {file} angenommen
fileAccepted.body = Die Abrechnungsdatei {file} der Fluggesellschaft {airline} für CASS {country}, Periode {period}, wurde angenommen.\nAngenommene Datensätze: {accepted}\nAbgelehnte Datensätze: {rejected}\n\nAbgelehnte Datensätze sind im Ablehnungsbericht aufgeführt.
fileRejected.subject = CASS-Datei {file} abgelehnt ({code})
fileRejected.body = Die Abrechnungsdatei {file} der Fluggesellschaft {airline} wurde abgelehnt.\nGrund {code}: {message}\n\nBitte korrigieren Sie die Datei und reichen Sie sie erneut ein.
periodClosed.subject = CASS {country}: Periode {period} abgeschlossen
periodClosed.body = Die Abrechnungsperiode {period} von CASS {country} ist abgeschlossen.\nAusgestellte Rechnungen: {invoices}\nGesamtbetrag: {total} {currency}
"""#
}
