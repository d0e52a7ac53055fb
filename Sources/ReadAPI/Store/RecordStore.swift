import CRM
import Postgres

/// Reads the tables of ``RecordTable`` for the read API: pages in id order and single records. The WHERE clause is
/// built from the filters present rather than written once with "$1 IS NULL OR …" terms, which sessions planning
/// with `plan_cache_mode = force_generic_plan` cannot turn into index conditions.
public struct RecordStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public enum Order: Sendable {
        /// `ORDER BY id DESC`: lists.
        case newestFirst
        /// `ORDER BY id`: exports.
        case oldestFirst
    }

    /// At most `limit` records matching every filter.
    public func list(
        _ table: RecordTable, orgID: Int64, filters: [RecordFilter], order: Order, limit: Int
    ) async throws -> [Record] {
        try await rows(table, orgID: orgID, filters: filters, order: order, limit: limit).map { try Self.decode($0, table) }
    }

    /// The rows ``list(_:orgID:filters:order:limit:)`` decodes, as they came: the export writes their text itself.
    func rows(_ table: RecordTable, orgID: Int64, filters: [RecordFilter], order: Order, limit: Int) async throws -> [Row] {
        let query = try Self.select(table, orgID: orgID, filters: filters, order: order, limit: limit)
        return try await scope.withOrg(orgID) { connection in try connection.query(query).rows }
    }

    /// One record by id, or by code for customers; nil when the org has none.
    public func find(_ table: RecordTable, orgID: Int64, _ selector: RecordSelector) async throws -> Record? {
        try await list(table, orgID: orgID, filters: [Self.filter(selector)], order: .newestFirst, limit: 1).first
    }

    /// The customer a code merged away leads to (`CustomerMergeStore.redirect`).
    public func redirect(orgID: Int64, code: CustomerCode) async throws -> CustomerRef? {
        try await scope.withOrg(orgID) { connection in try CustomerMergeStore.redirect(connection, orgID: orgID, code: code) }
    }

    static func filter(_ selector: RecordSelector) -> RecordFilter {
        switch selector {
        case .id(let id): .idEquals(column: "id", id)
        case .code(let code): .textEquals(column: "code", String(code.number))
        }
    }

    static func select(_ table: RecordTable, orgID: Int64, filters: [RecordFilter], order: Order, limit: Int) throws -> Query {
        var clause = WhereClause(orgID: orgID)
        if let condition = table.scopeCondition { clause.conditions.append(condition) }
        for filter in filters { try clause.add(filter, table: table) }
        let columns = table.columns.map(\.sql).joined(separator: ", ")
        let (sql, binds) = clause.query(columns: columns, from: table.table, descending: order == .newestFirst)
        return Query(sql: sql, binds: binds + [String(limit)])
    }

    static func decode(_ row: Row, _ table: RecordTable) throws -> Record {
        var fields: [Record.Field] = []
        fields.reserveCapacity(table.columns.count)
        for (index, column) in table.columns.enumerated() {
            let value: FieldValue
            switch column.kind {
            case .text: value = .text(try row.decode(index))
            case .id: value = .id(try row.decode(index))
            case .integer: value = .integer(try row.decode(index))
            case .decimal: value = .decimal(try row.decode(index))
            case .json: value = .json(try row.decode(index))
            case .texts: value = .texts(try row.decode(index))
            case .ids: value = .ids(try row.decode(index))
            }
            fields.append(Record.Field(column.name, value))
        }
        return Record(id: try row.decode("id"), fields: fields)
    }
}

/// AND-ed conditions with their values bound as `$n` in order; `$1` is the org.
struct WhereClause {
    var conditions = ["org_id = $1"]
    private var binds: [String?]
    /// The matches are few or found by an index of their own (a name search): read them all, then sort by id. Left to
    /// itself, the plan would walk the id order and test every row, reading the whole org when nothing matches.
    private(set) var readsMatchesFirst = false

    init(orgID: Int64) { binds = [String(orgID)] }

    mutating func add(_ filter: RecordFilter, table: RecordTable) throws {
        func column(_ field: String) throws -> String {
            guard let source = table.source(of: field) else {
                throw PostgresError(kind: .decoding, message: "no filterable column \(field) in \(table.table)")
            }
            return source
        }
        switch filter {
        case .before(let id): append("id < ", id)
        case .after(let id): append("id > ", id)
        case .textEquals(column: "code", let number): append("code = ", number, cast: "::bigint")
        case .textEquals(let field, let text): append("\(try column(field)) = ", text)
        case .idEquals(let field, let id): append("\(try column(field)) = ", id)
        case .customerType(let type): append("type = ", type, cast: "::smallint")
        case .hasTag(let tag): append("tags @> ARRAY[", tag, cast: "::text]")
        case .since(let field, let time): append("\(try column(field)) >= ", time, cast: "::timestamptz")
        case .identity(let kind, let key):
            let series = table.series?.rawValue ?? ""
            binds += [series, kind, key]
            let n = binds.count
            conditions.append(
                """
                id = (SELECT customer_id FROM customer_identities
                      WHERE org_id = $1 AND series = $\(n - 2) AND kind = $\(n - 1) AND value = $\(n))
                """)
        case .namePrefix(let prefix):
            guard let folded = table.foldedName else { return }
            // "prefix" ≤ folded name < "prefix" || U+10FFFF: a range on customers_name_folded (see 0011).
            binds.append(prefix)
            let n = binds.count
            conditions.append("\(folded) ~>=~ crmhub_fold($\(n)) AND \(folded) ~<~ (crmhub_fold($\(n)) || U&'\\+10FFFF')")
            readsMatchesFirst = true
        case .customer(.id(let id)): append("customer_id = ", id)
        case .customer(.code(let code)):
            binds += [code.series.rawValue, String(code.number)]
            let n = binds.count
            conditions.append(
                """
                customer_id = (SELECT id FROM customers WHERE org_id = $1 AND kind = $\(n - 1) AND code = $\(n)::bigint)
                """)
        }
    }

    /// `prefix $n suffix`, with `value` bound as `$n`.
    private mutating func append(_ prefix: String, _ value: some PostgresEncodable, cast: String = "") {
        binds.append(value.postgresText)
        conditions.append("\(prefix)$\(binds.count)\(cast)")
    }

    /// `SELECT columns FROM table WHERE … ORDER BY id [DESC] LIMIT n`; the first column must be the id.
    func query(columns: String, from table: String, descending: Bool) -> (sql: String, binds: [String?]) {
        let select = "SELECT \(columns) FROM \(table) WHERE " + conditions.joined(separator: " AND ")
        let order = descending ? "DESC" : ""
        let limit = "$\(binds.count + 1)"
        if readsMatchesFirst {
            return ("SELECT * FROM (\(select) OFFSET 0) AS matches ORDER BY 1 \(order) LIMIT \(limit)", binds)
        }
        return ("\(select) ORDER BY id \(order) LIMIT \(limit)", binds)
    }
}
