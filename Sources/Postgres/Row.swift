/// One result row, its values in text format.
public struct Row: Sendable {
    let values: [String?]
    let columns: ResultColumns

    init(values: [String?], columns: ResultColumns) {
        self.values = values
        self.columns = columns
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The raw text of a column (nil for NULL).
    public subscript(_ index: Int) -> String? { values[index] }

    /// Decodes the column at `column` (0-based).
    /// - Throws: `.decoding` when there is no such column or the value does not fit `T` (NULL fits only `Optional`).
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard values.indices.contains(column) else {
            throw PostgresError(kind: .decoding, message: "no column \(column) in a row of \(values.count)")
        }
        return try T(postgresText: values[column])
    }

    /// Decodes the column named `column` (the first one, if several share the name).
    /// - Throws: `.decoding` when there is no such column or the value does not fit `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let index = columns.index(of: column) else {
            throw PostgresError(kind: .decoding, message: "no column named \(column)")
        }
        return try T(postgresText: values[index])
    }

    /// Decodes the whole row into a tuple, column by column: `let (id, name) = try row.decode((Int64, String).self)`.
    /// - Throws: `.decoding` when the row does not have exactly as many columns as the tuple, or a value does not fit.
    public func decode<each T: PostgresDecodable>(
        _ types: (repeat each T).Type
    ) throws(PostgresError) -> (repeat each T) {
        var expected = 0
        for _ in repeat (each T).self { expected += 1 }
        guard expected == values.count else {
            throw PostgresError(kind: .decoding, message: "a row of \(values.count) columns decoded as \(expected)")
        }
        var index = 0
        func next<Value: PostgresDecodable>(_ type: Value.Type) throws(PostgresError) -> Value {
            defer { index += 1 }
            return try Value(postgresText: values[index])
        }
        return (repeat try next((each T).self))
    }
}

/// Column names shared by every row of one result.
final class ResultColumns: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }

    func index(of name: String) -> Int? { positions[name] }
}

/// The rows of one statement and the number of rows it changed.
public struct QueryResult: Sendable {
    public let rows: [Row]
    /// Rows inserted, updated, deleted, merged, copied, fetched or moved (`PQcmdTuples`); 0 for other statements.
    public let affectedRows: Int
    let resultColumns: ResultColumns

    init(rows: [Row], affectedRows: Int, columns: ResultColumns) {
        self.rows = rows
        self.affectedRows = affectedRows
        self.resultColumns = columns
    }

    /// The column names, in order.
    public var columns: [String] { resultColumns.names }

    /// The first row, if any.
    public var first: Row? { rows.first }
}
