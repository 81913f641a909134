import CASSAccess
import CASSAccounts
import CASSHTTP

/// The answers every route shares, as RFC 9457 problems.
enum APIError {
    /// Any refusal of the pure core, as its problem; anything else passes.
    static func from(any error: any Error) -> any Error {
        if let access = error as? AccessError { return from(access) }
        if let accounts = error as? AccountsError { return from(accounts) }
        return error
    }

    static func from(_ error: AccessError) -> HTTPError {
        let status = HTTPStatus(error.status)
        var headers = HTTPHeaders()
        if error.status == 401 { headers.add("WWW-Authenticate", "Bearer") }
        if case .locked(let until) = error {
            let seconds = max(1, (until.millisecondsSince1970 - ServiceClock.wallClock().millisecondsSince1970) / 1000)
            headers.add("Retry-After", String(seconds))
        }
        var fields: [HTTPError.FieldError] = []
        if case .invalid(let list) = error { fields = list.map { HTTPError.FieldError(field: $0.field, message: $0.message) } }
        return HTTPError(status, detail: error.description, errors: fields, headers: headers)
    }

    static func from(_ error: AccountsError) -> HTTPError {
        var fields: [HTTPError.FieldError] = []
        if let field = error.field { fields.append(HTTPError.FieldError(field: field, message: error.message)) }
        return HTTPError(HTTPStatus(error.httpStatus), detail: error.message, errors: error.httpStatus == 422 ? fields : [])
    }

    static let unauthorized: HTTPError = {
        var headers = HTTPHeaders()
        headers.add("WWW-Authenticate", "Bearer")
        return HTTPError(.unauthorized, detail: "sign in first: POST /api/v1/sessions, then send Authorization: Bearer TOKEN", headers: headers)
    }()

    static func notFound() -> HTTPError { HTTPError(.notFound, detail: "no such object") }

    static func forbidden(_ detail: String = "your role does not allow this") -> HTTPError { HTTPError(.forbidden, detail: detail) }

    static func invalid(_ field: String, _ message: String) -> HTTPError {
        HTTPError(HTTPStatus(422), detail: "\(field): \(message)", errors: [HTTPError.FieldError(field: field, message: message)])
    }

    static func conflict(_ detail: String) -> HTTPError { HTTPError(HTTPStatus(409), detail: detail) }
}
