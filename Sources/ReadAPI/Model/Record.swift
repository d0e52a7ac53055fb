import CRM

/// A row as the read API shows it: named fields in a fixed order, each with how it is written out.
public struct Record: Sendable {
    public let id: Int64
    public let fields: [Field]

    public init(id: Int64, fields: [Field]) {
        self.id = id
        self.fields = fields
    }

    public struct Field: Sendable {
        public let name: String
        public let value: FieldValue

        public init(_ name: String, _ value: FieldValue) {
            self.name = name
            self.value = value
        }
    }
}

/// One field's value. Ids travel as strings (as the admin API writes them); decimals as strings so nothing is rounded.
public enum FieldValue: Sendable, Equatable {
    case text(String?)
    case id(Int64?)
    case integer(Int64?)
    case decimal(String?)
    /// JSON text as PostgreSQL wrote it (a jsonb column), written out as it is.
    case json(String?)
    case texts([String])
    case ids([Int64])
}

/// How a record is named in a path: its internal id ("42") or, for customers, its code ("PID-7").
public enum RecordSelector: Sendable, Equatable {
    case id(Int64)
    case code(CustomerCode)

    /// "42" or a code of `series`; nil when the text is neither.
    public init?(_ text: String, series: CustomerSeries?) {
        if let id = Int64(text), id > 0 {
            self = .id(id)
        } else if let series, let code = CustomerCode(text), code.series == series {
            self = .code(code)
        } else {
            return nil
        }
    }
}

/// A condition of a read API list. Built by the read API from query parameters; columns are named by code, never
/// taken from input.
public enum RecordFilter: Sendable, Equatable {
    /// Keyset pagination: ids below this one (newest first) or above it (export order).
    case before(Int64)
    case after(Int64)
    case textEquals(column: String, String)
    case idEquals(column: String, Int64)
    case hasTag(String)
    /// Customers of this type: 0 contact, 1 account.
    case customerType(Int)
    /// `column >= timestamp` (an RFC 3339 date-time or a date, already validated).
    case since(column: String, String)
    /// A customer holding this normalised identity (`email`, `phone`, `passport`).
    case identity(kind: String, key: String)
    /// The name starts with this text, ignoring case and diacritics.
    case namePrefix(String)
    /// `customer_id` is this customer (by id, or by code through the customers table).
    case customer(RecordSelector)
}
