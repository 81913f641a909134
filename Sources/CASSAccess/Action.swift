/// Everything a user can ask of the service, one case per right. Routes
/// that only read a list call the item's read action on `.collection`
/// (then filter the items with the same action); routes on one object call
/// it on that object.
public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
    // Operations and periods
    case readOperations
    case closePeriod
    // Billing files
    case readFile
    case uploadFile
    case validateFile
    case withdrawFile
    case downloadFileContent
    // Settlement results
    case readSettlement
    case readReports
    // Invoices
    case readInvoice
    case downloadInvoiceDocument
    // Disputes
    case readDispute
    case raiseDispute
    case answerDispute
    case withdrawDispute
    // Payments and wallet
    case recordPayment
    case readWallet
    case topUpWallet
    // Risk, statistics, events
    case readRisk
    case readStatistics
    case readEvents
    // Settings
    case readSettings
    case manageSettings
    // Users
    case listUsers
    case readUser
    case createUser
    case updateUser
    case updateOwnProfile
    case deleteUser
    case putSSHKeys
    // The operator's own
    case readAudit
    case manageReference

    /// The routes that ask for it (for the docs).
    public var routes: String {
        switch self {
        case .readOperations: return "GET /operations, GET /operations/{country}/periods"
        case .closePeriod: return "POST /operations/{country}/periods/{period}/close"
        case .readFile: return "GET /files, GET /files/{id}, GET /files/{id}/rejections"
        case .uploadFile: return "POST /files"
        case .validateFile: return "POST /files/validate"
        case .withdrawFile: return "POST /files/{id}/withdraw"
        case .downloadFileContent: return "GET /files/{id}/content"
        case .readSettlement: return "GET /settlements"
        case .readReports: return "GET /reports/*.csv"
        case .readInvoice: return "GET /invoices, GET /invoices/{number}"
        case .downloadInvoiceDocument: return "GET /invoices/{number}/documents/{format}"
        case .readDispute: return "GET /disputes, GET /disputes/{id}"
        case .raiseDispute: return "POST /disputes"
        case .answerDispute: return "POST /disputes/{id}/accept, POST /disputes/{id}/reject"
        case .withdrawDispute: return "POST /disputes/{id}/withdraw"
        case .recordPayment: return "POST /invoices/{number}/payments"
        case .readWallet: return "GET /wallet"
        case .topUpWallet: return "POST /wallet/topups"
        case .readRisk: return "GET /risk"
        case .readStatistics: return "GET /statistics"
        case .readEvents: return "GET /events"
        case .readSettings: return "GET /settings"
        case .manageSettings: return "PUT /settings"
        case .listUsers: return "GET /users"
        case .readUser: return "GET /users/{username}"
        case .createUser: return "POST /users"
        case .updateUser: return "PATCH /users/{username} (role, operations, disabled)"
        case .updateOwnProfile: return "PATCH /users/{username} or /users/me (name, email, language, password)"
        case .deleteUser: return "DELETE /users/{username}"
        case .putSSHKeys: return "PUT /users/{username}/ssh-keys"
        case .readAudit: return "GET /audit"
        case .manageReference: return "reference data changes"
        }
    }

    /// Actions that make a new object: a target outside the caller's reach
    /// is 403 (nothing exists there to hide), where every other action
    /// answers 404.
    public var creates: Bool {
        switch self {
        case .uploadFile, .validateFile, .createUser: return true
        default: return false
        }
    }
}
