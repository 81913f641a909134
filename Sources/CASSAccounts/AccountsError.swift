import CASSDomain

/// Why the engine refuses a record. Each refusal names the HTTP status the
/// service answers with (`httpStatus`), the request field it is about
/// (`field`, for problem+json `errors`) and a sentence for `detail`.
/// A refused record changes nothing.
public enum AccountsError: Error, Hashable, Sendable {
    // 404: the object does not exist (the service answers the same for
    // another company's object, before the engine is asked).
    case unknownInvoice(String)
    case unknownDispute(String)

    // Replays: the record was already applied. Not a failure for the
    // service: it answers as it did the first time.
    case duplicateRecord(String)
    /// The id of the record is taken by a different record (409).
    case idConflict(String)

    // 422: the request itself is wrong.
    case invalidID(String)
    /// `by` is not a username (empty, too long, control characters).
    case invalidActor(String)
    case textTooLong(field: String, maxCharacters: Int)
    case controlCharacters(field: String)
    case reasonRequired
    case amountNotPositive(field: String)
    case awbNotOnInvoice(invoice: String, awb: String)
    /// The disputed amount exceeds the AWB's amount on the invoice, less what
    /// earlier disputes of that AWB had accepted.
    case disputeAmountTooHigh(maxMinor: Int64)
    case disputeWindowClosed(lastDay: CivilDate)
    case acceptedAmountTooHigh(disputedMinor: Int64)
    case paymentDateAfterToday(date: CivilDate, today: CivilDate)
    /// `credit` payments are the engine's own; nobody records one.
    case methodNotAllowed(PaymentMethod)
    case amountOverflow
    case invalidInvoice(String)
    case invalidScheduledAction(String)

    // 409: the request conflicts with the state of the object.
    case disputeAlreadyOpen(existing: String)
    case disputeNotOpen(id: String, status: DisputeStatus)
    /// An escalated dispute is answered only by the CASS operator.
    case disputeEscalated(id: String)
    /// The operator answers a dispute only once it is escalated.
    case disputeNotEscalated(id: String)
    case invoiceNotPayable(invoice: String, totalMinor: Int64)
    case insufficientWalletBalance(balanceMinor: Int64)
    case noOpenPeriodAfter(OperationPeriod)
    case limitReached(what: String, max: Int)
    /// A record numbered beyond the next expected one (a risk assessment
    /// written from a view that was not up to date).
    case outOfSequence(String)

    // 403: the actor's side may not take this step at all (the service's
    // authorization normally refuses it first).
    case partyMayNotAct(party: Party, action: String)

    public var httpStatus: Int {
        switch self {
        case .unknownInvoice, .unknownDispute: 404
        case .duplicateRecord, .idConflict: 409
        case .invalidID, .invalidActor, .textTooLong, .controlCharacters, .reasonRequired, .amountNotPositive, .awbNotOnInvoice,
             .disputeAmountTooHigh, .disputeWindowClosed, .acceptedAmountTooHigh, .paymentDateAfterToday,
             .methodNotAllowed, .amountOverflow, .invalidInvoice, .invalidScheduledAction:
            422
        case .disputeAlreadyOpen, .disputeNotOpen, .disputeEscalated, .disputeNotEscalated, .invoiceNotPayable,
             .insufficientWalletBalance, .noOpenPeriodAfter, .limitReached, .outOfSequence:
            409
        case .partyMayNotAct: 403
        }
    }

    /// The request field the refusal is about, when it is about one.
    public var field: String? {
        switch self {
        case .unknownInvoice: "invoice"
        case .awbNotOnInvoice: "awb"
        case .invalidID: "id"
        case .invalidActor: "by"
        case .textTooLong(let field, _), .controlCharacters(let field), .amountNotPositive(let field): field
        case .reasonRequired: "reason"
        case .disputeAmountTooHigh, .acceptedAmountTooHigh, .amountOverflow, .insufficientWalletBalance: "amountMinor"
        case .disputeWindowClosed: "invoice"
        case .paymentDateAfterToday: "date"
        case .methodNotAllowed: "method"
        default: nil
        }
    }

    public var message: String {
        switch self {
        case .unknownInvoice(let number): "no invoice \(number)"
        case .unknownDispute(let id): "no dispute \(id)"
        case .duplicateRecord(let id): "\(id) was already recorded"
        case .idConflict(let id): "the id \(id) is already used by another record"
        case .invalidID(let id): "'\(id)' is not an id (1-\(AccountsLimits.idMaxCharacters) characters of A-Z a-z 0-9 . _ -)"
        case .invalidActor(let actor): "'\(actor)' is not a username (1-\(AccountsLimits.actorMaxCharacters) characters, no control characters)"
        case .textTooLong(let field, let max): "\(field) is longer than \(max) characters"
        case .controlCharacters(let field): "\(field) holds control characters"
        case .reasonRequired: "a reason is required"
        case .amountNotPositive(let field): "\(field) must be positive"
        case .awbNotOnInvoice(let invoice, let awb): "AWB \(awb) has no line on invoice \(invoice)"
        case .disputeAmountTooHigh(let max): "the disputed amount is at most \(max) (the AWB's amount on the invoice, less what earlier disputes of it had accepted)"
        case .disputeWindowClosed(let last): "the dispute window of this invoice closed after \(last)"
        case .acceptedAmountTooHigh(let disputed): "the accepted amount is at most the disputed amount, \(disputed)"
        case .paymentDateAfterToday(let date, let today): "the payment date \(date) is after today, \(today)"
        case .methodNotAllowed(let method): "payments of method \(method.rawValue) are made by CASS itself and cannot be recorded"
        case .amountOverflow: "the amount would take a sum beyond the 64-bit range"
        case .invalidInvoice(let why): "invalid invoice: \(why)"
        case .invalidScheduledAction(let why): "invalid scheduled action: \(why)"
        case .disputeAlreadyOpen(let existing): "dispute \(existing) on this invoice and AWB is still open"
        case .disputeNotOpen(let id, let status): "dispute \(id) is \(status.rawValue), no longer open"
        case .disputeEscalated(let id): "dispute \(id) is escalated: only the CASS operator answers it now"
        case .disputeNotEscalated(let id): "dispute \(id) is open: the airline answers it; the CASS operator answers once it is escalated"
        case .invoiceNotPayable(let invoice, let total): "invoice \(invoice) has a total of \(total): it is a credit and is never paid"
        case .insufficientWalletBalance(let balance): "the wallet holds \(balance), less than the payment"
        case .noOpenPeriodAfter(let period): "no open period follows \(period.country) \(period.period)"
        case .limitReached(let what, let max): "at most \(max) \(what)"
        case .outOfSequence(let what): "\(what) is out of sequence"
        case .partyMayNotAct(let party, let action): "\(party.rawValue) may not \(action)"
        }
    }
}

/// The limits the engine enforces, stated once.
public enum AccountsLimits {
    public static let idMaxCharacters = 64
    public static let reasonMaxCharacters = 1_000
    public static let referenceMaxCharacters = 200
    public static let actorMaxCharacters = 64
    /// Payments on one invoice, all methods together.
    public static let paymentsPerInvoiceMax = 10_000
    /// Disputes ever raised on one invoice and AWB (each withdrawn or
    /// answered one makes room for another).
    public static let disputesPerLineMax = 100
    /// Top-ups kept per wallet.
    public static let topUpsPerWalletMax = 100_000
}
