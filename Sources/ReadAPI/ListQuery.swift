import CRM
import HTTPServer

/// A list request's query string read into filters, a page size and a cursor. Every bad or unknown parameter is
/// reported in one 422 naming it.
struct ListQuery {
    var filters: [RecordFilter] = []
    var limit = 50
    var cursor: Int64?

    static let maxLimit = 200
    static let maxTextLength = 500

    /// - Parameter paged: whether `limit` and `cursor` are allowed (not for exports).
    init(_ request: Request, _ collection: Collection, paged: Bool = true, extra: Set<String> = []) throws {
        var errors: [FieldError] = []
        var seen = Set<String>()
        for (name, value) in request.queryItems {
            guard seen.insert(name).inserted else {
                errors.append(FieldError(name, "is given more than once"))
                continue
            }
            if extra.contains(name) { continue }
            if paged && name == "limit" {
                if let number = Int(value), (1...Self.maxLimit).contains(number) {
                    limit = number
                } else {
                    errors.append(FieldError("limit", "must be a whole number from 1 to \(Self.maxLimit)"))
                }
            } else if paged && name == "cursor" {
                if let id = Cursor.decode(value) {
                    cursor = id
                } else {
                    errors.append(FieldError("cursor", "is not a cursor returned by this API"))
                }
            } else if let parameter = collection.filters.first(where: { $0.name == name }) {
                do {
                    filters.append(try Self.filter(parameter, value))
                } catch let CRMError.invalid(more) {
                    errors += more
                }
            } else {
                errors.append(FieldError(name, "is not a parameter of this list"))
            }
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
    }

    static func filter(_ parameter: Collection.Parameter, _ value: String) throws -> RecordFilter {
        let name = parameter.name
        func invalid(_ message: String) -> CRMError { .invalid([FieldError(name, message)]) }
        guard !value.isEmpty, value.count <= maxTextLength else { throw invalid("must be 1 to \(maxTextLength) characters") }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else { throw invalid("must not contain NUL") }
        switch parameter {
        case .text(_, let field, let values):
            guard values.isEmpty || values.contains(value) else {
                throw invalid("must be one of \(values.joined(separator: ", "))")
            }
            return .textEquals(column: field, value)
        case .id(_, let field):
            guard let id = Int64(value), id > 0 else { throw invalid("must be a \(name) id (a positive whole number)") }
            return .idEquals(column: field, id)
        case .since(_, let field):
            guard let instant = Timestamp.instant(value) else { throw invalid(Timestamp.problem) }
            return .since(column: field, instant)
        case .tag:
            return .hasTag(value)
        case .identity(let kind):
            let key: String?
            switch kind {
            case "email": key = Identity.email(value)
            case "phone": key = Identity.phone(value)
            default: key = Identity.passport(value)
            }
            guard let key else { throw invalid("'\(value)' is not \(kind == "email" ? "an email address" : "a \(kind) number")") }
            return .identity(kind: kind, key: key)
        case .namePrefix:
            return .namePrefix(value)
        case .customer:
            if let id = Int64(value), id > 0 { return .customer(.id(id)) }
            guard let code = CustomerCode(value) else { throw invalid("must be a customer id or code (PID-1, LID-1, CID-1)") }
            return .customer(.code(code))
        case .customerType:
            switch value {
            case "contact": return .customerType(0)
            case "account": return .customerType(1)
            default: throw invalid("must be one of contact, account")
            }
        }
    }
}
