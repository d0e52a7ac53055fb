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
        return try await scope.withOrg(orgID) { connection in
            connection.commitWithNextQuery()
            return try connection.query(query).rows
        }
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
    /// The matches are found by an index of their own (a name search): pick their ids first, then fetch the rows of
    /// the page. Left to itself, the plan would walk the id order and test every row, reading the whole org when
    /// nothing matches; and fetching every match's row to sort them reads a heap page per match.
    private(set) var readsMatchesFirst = false
    /// A customer tag filter: the series and the `$n` of the tag. The customers come from customer_tags (sql/0019),
    /// walked in customer id order and fetched by primary key: `tags @> …` is not leakproof, so under row-level
    /// security no index could serve it and the list tested every customer of the org, newest first.
    private var tagged: (series: String, tag: Int)?
    /// The cursor's conditions again, on the tag's customer_id, so that a later page starts where it ends.
    private var taggedCursor: [String] = []
    /// An identity filter: one customer at most, found by its own index.
    private var findsOne = false
    /// A customer name search: the series and the `$n` of the prefix, for the walk of its distinct names.
    private var nameWalk: (series: String, prefix: Int)?
    /// The most distinct folded names in a prefix's range that a name search walks one by one (see ``query``).
    static let walkedNames = 50

    init(orgID: Int64) { binds = [String(orgID)] }

    mutating func add(_ filter: RecordFilter, table: RecordTable) throws {
        func column(_ field: String) throws -> String {
            guard let source = table.source(of: field) else {
                throw PostgresError(kind: .decoding, message: "no filterable column \(field) in \(table.table)")
            }
            return source
        }
        switch filter {
        case .before(let id):
            append("id < ", id)
            taggedCursor.append("customer_id < $\(binds.count)")
        case .after(let id):
            append("id > ", id)
            taggedCursor.append("customer_id > $\(binds.count)")
        case .textEquals(column: "code", let number): append("code = ", number, cast: "::bigint")
        case .textEquals(let field, let text): append("\(try column(field)) = ", text)
        case .idEquals(let field, let id): append("\(try column(field)) = ", id)
        case .customerType(let type): append("type = ", type, cast: "::smallint")
        case .hasTag(let tag):
            if let series = table.series, tagged == nil {
                binds.append(tag)
                tagged = (series.rawValue, binds.count)
            } else {
                append("tags @> ARRAY[", tag, cast: "::text]")
            }
        case .since(let field, let time): append("\(try column(field)) >= ", time, cast: "::timestamptz")
        case .identity(let kind, let key):
            let series = table.series?.rawValue ?? ""
            binds += [series, kind, key]
            let n = binds.count
            findsOne = true
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
            if let series = table.series, folded == "name_folded" { nameWalk = (series.rawValue, n) }
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
        var from = table
        var order = "id"
        var conditions = conditions
        if let tagged, readsMatchesFirst || findsOne {
            // The name's range or the identity finds the candidates; the tag tests them, as before.
            conditions.append("tags @> ARRAY[$\(tagged.tag)::text]")
        } else if let tagged {
            // Each customer is fetched by primary key (LATERAL … LIMIT 1, so the planner cannot turn it into a join),
            // in the tag's order: as a plain join, a small org's statistics chose a merge join with a walk of all the
            // org's customers by id, which is the read this table is there to avoid. Only tagged_id comes out of the
            // first subquery, so the conditions' and columns' names stay the customer's.
            let side = ["org_id = $1", "kind = '\(tagged.series)'", "tag = $\(tagged.tag)"] + taggedCursor
            from =
                "(SELECT customer_id AS tagged_id FROM customer_tags WHERE \(side.joined(separator: " AND "))) AS tagged "
                + "CROSS JOIN LATERAL (SELECT * FROM \(table) WHERE org_id = $1 AND id = tagged_id LIMIT 1) AS \(table)"
            order = "tagged_id"
        }
        let select = "SELECT \(columns) FROM \(from) WHERE " + conditions.joined(separator: " AND ")
        let direction = descending ? "DESC" : ""
        let limit = "$\(binds.count + 1)"
        if readsMatchesFirst, let walk = nameWalk {
            return (
                nameWalkQuery(walk, columns: columns, table: table, conditions: conditions, direction: direction, limit: limit),
                binds
            )
        }
        if readsMatchesFirst {
            // The inner select names only the id, so for the customers' name search (whose other conditions are the
            // org, the kind and cursors) it is an index-only scan of customers_name_folded (sql/0018); OFFSET 0 keeps
            // the plan from walking the id order instead. A tag filter's test is among the conditions and reads the heap.
            let ids = "SELECT id FROM \(table) WHERE " + conditions.joined(separator: " AND ")
            let page = "SELECT id FROM (\(ids) OFFSET 0) AS matches ORDER BY id \(direction) LIMIT \(limit)"
            return (
                "SELECT \(columns) FROM \(table) WHERE org_id = $1 AND id IN (\(page)) ORDER BY id \(direction) LIMIT \(limit)",
                binds
            )
        }
        return ("\(select) ORDER BY \(order) \(direction) LIMIT \(limit)", binds)
    }

    /// A customer name search, page by page in id order whatever the number of matches. customers_name_folded (0022)
    /// is ordered by folded name then id, so the matches of one name come in id order: the statement walks the
    /// distinct folded names in the prefix's range (one index probe each, as a skip scan), takes each name's first
    /// page of ids and keeps the page of their union. A common first name ("linh", 28,000 customers of one org) reads
    /// 51 index entries instead of all 28,000. When the range holds more than ``walkedNames`` distinct names (each
    /// match a name of its own, say), it reads all the range's ids and sorts them, as before.
    private func nameWalkQuery(
        _ walk: (series: String, prefix: Int), columns: String, table: String, conditions: [String], direction: String,
        limit: String
    ) -> String {
        let scope = "org_id = $1 AND kind = '\(walk.series)'"
        let end = "(crmhub_fold($\(walk.prefix)) || U&'\\+10FFFF')"
        let matches = conditions.joined(separator: " AND ")
        return """
            WITH RECURSIVE names(name, walked) AS (
                (SELECT name_folded, 1 FROM \(table)
                 WHERE \(scope) AND name_folded ~>=~ crmhub_fold($\(walk.prefix)) AND name_folded ~<~ \(end)
                 ORDER BY name_folded USING ~<~ LIMIT 1)
                UNION ALL
                SELECT (SELECT name_folded FROM \(table) WHERE \(scope) AND name_folded ~>~ names.name AND name_folded ~<~ \(end)
                        ORDER BY name_folded USING ~<~ LIMIT 1), walked + 1
                FROM names WHERE names.name IS NOT NULL AND walked <= \(Self.walkedNames)
            ),
            walk AS (SELECT count(*) <= \(Self.walkedNames) AS fits FROM names WHERE name IS NOT NULL),
            page AS (
                SELECT named.id FROM names CROSS JOIN LATERAL (
                    SELECT id FROM \(table) WHERE \(matches) AND name_folded = names.name ORDER BY id \(direction) LIMIT \(limit)
                ) AS named
                WHERE names.name IS NOT NULL AND (SELECT fits FROM walk)
                UNION ALL
                SELECT id FROM (SELECT id FROM \(table) WHERE \(matches) OFFSET 0) AS every WHERE NOT (SELECT fits FROM walk)
            )
            SELECT \(columns) FROM \(table)
            WHERE org_id = $1 AND id IN (SELECT id FROM page ORDER BY id \(direction) LIMIT \(limit))
            ORDER BY id \(direction) LIMIT \(limit)
            """
    }
}
