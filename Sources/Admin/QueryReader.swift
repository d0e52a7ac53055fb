import CRM
import HTTPServer

/// Reads a list's filters from the query string and reports every bad one, with bad `limit` and `cursor`, in one 422
/// naming each parameter.
public struct QueryReader {
    public let request: Request
    public var errors: [FieldError] = []

    public init(_ request: Request) { self.request = request }

    /// One of an enum's values, or nil when the parameter is absent.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = request.query(name) else { return nil }
        guard let value = T(rawValue: text) else {
            errors.append(FieldError(name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        return value
    }

    /// A resource id (a positive whole number), or nil when the parameter is absent.
    public mutating func id(_ name: String) -> Int64? {
        guard let text = request.query(name) else { return nil }
        guard let id = Int64(text), id > 0 else {
            errors.append(FieldError(name, "must be a \(name) id"))
            return nil
        }
        return id
    }

    /// An RFC 3339 date-time or a date (midnight UTC, ``Timestamp``), or nil when the parameter is absent.
    public mutating func timestamp(_ name: String) -> String? {
        guard let text = request.query(name) else { return nil }
        guard let instant = Timestamp.instant(text) else {
            errors.append(FieldError(name, Timestamp.problem))
            return nil
        }
        return instant
    }

    /// `cursor` and `limit` (as ``AdminJSON/pagination(_:)`` reads them).
    /// - Throws: `CRMError.invalid` listing every bad parameter read so far.
    public mutating func pagination() throws -> (cursor: Int64, limit: Int) {
        var page: (cursor: Int64, limit: Int) = (0, 50)
        do {
            page = try AdminJSON.pagination(request)
        } catch let CRMError.invalid(more) {
            errors += more
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
        return page
    }
}
