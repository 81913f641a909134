// Messages in fr: `key = value`, `\n` is a line break, `{name}` a
// placeholder. Same format as an override file `fr.txt`.
extension MessageCatalog {
    static let fr = #"""
invoiceIssued.subject = Facture CASS {number} pour la période {period}
invoiceIssued.body = Agent {agent},\n\nCASS {country} a émis la facture {number} pour la période de facturation {period}.\nMontant total : {total} {currency}\nDate d'échéance : {dueDate}\n\nLa facture est jointe au format PDF.\n\nCASS {country}
fileAccepted.subject = Fichier CASS {file} accepté
fileAccepted.body = Le fichier de facturation {file} de la compagnie {airline} pour CASS {country}, période {period}, a été accepté.\nEnregistrements acceptés : {accepted}\nEnregistrements rejetés : {rejected}\n\nLes enregistrements rejetés figurent dans le rapport de rejets.
fileRejected.subject = Fichier CASS {file} rejeté ({code})
fileRejected.body = Le fichier de facturation {file} de la compagnie {airline} a été rejeté.\nMotif {code} : {message}\n\nVeuillez corriger le fichier et le soumettre à nouveau.
periodClosed.subject = CASS {country} : période {period} clôturée
periodClosed.body = La période de facturation {period} de CASS {country} est clôturée.\nFactures émises : {invoices}\nMontant total : {total} {currency}
"""#
}
