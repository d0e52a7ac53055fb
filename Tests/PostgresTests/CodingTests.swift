import Foundation
import Postgres
import Testing

@Suite("Text encoding and decoding")
struct CodingTests {
    static let hostileStrings: [String] = [
        "", " ", "plain", "NULL", "null", "\"", "\\", "\\\\\"", "a,b", "{x}", "}{", "'", "''; DROP TABLE t; --",
        "tab\tnew\nline\r", "ünïcödé €", "🙂👩‍👩‍👧", " leading and trailing ", "$1", "\\x00",
        String(repeating: "z", count: 10_000),
    ]

    @Test("strings round-trip, hostile ones included", arguments: hostileStrings)
    func strings(value: String) throws {
        #expect(value.postgresText == value)
        #expect(try String(postgresText: value.postgresText) == value)
    }

    @Test(
        "string arrays round-trip through the array literal",
        arguments: [
            hostileStrings, [], [""], ["NULL"], ["a", "b"], ["\\\"", "\",\""],
        ])
    func stringArrays(values: [String]) throws {
        let text = try #require(values.postgresText)
        #expect(try [String](postgresText: text) == values)
    }

    @Test("integer arrays are bare digits, extremes and NULL elements included")
    func integerArrays() throws {
        let values: [Int64] = [0, 7, -1, 10, -10, .max, .min]
        #expect(values.postgresText == "{0,7,-1,10,-10,9223372036854775807,-9223372036854775808}")
        #expect(try [Int64](postgresText: values.postgresText) == values)
        let optional: [Int?] = [nil, 42, nil]
        #expect(optional.postgresText == "{NULL,42,NULL}")
        #expect([Int16.min, 0, Int16.max].postgresText == "{-32768,0,32767}")
        #expect([Int32]().postgresText == "{}")
    }

    @Test("arrays with NULL elements keep NULL apart from the text 'NULL'")
    func nullElements() throws {
        let values: [String?] = [nil, "NULL", "", nil, "x"]
        let text = try #require(values.postgresText)
        #expect(text == #"{NULL,"NULL","",NULL,"x"}"#)
        #expect(try [String?](postgresText: text) == values)
    }

    @Test("array output as PostgreSQL writes it is parsed")
    func serverArrayOutput() throws {
        #expect(
            try [String?](postgresText: #"{a,"b c",NULL,"NULL","q\"x","back\\slash","",ü}"#)
                == ["a", "b c", nil, "NULL", "q\"x", "back\\slash", "", "ü"])
        #expect(try [Int64](postgresText: "{1,-2,9223372036854775807}") == [1, -2, .max])
        #expect(try [Int](postgresText: "{}") == [])
        #expect(try [Bool](postgresText: "{t,f}") == [true, false])
    }

    @Test(
        "malformed or multidimensional arrays are refused",
        arguments: [
            "", "{", "}", "a,b", "{a,}", "{,a}", "{{1,2},{3,4}}", "{\"a}", "{a\"b}", "[1:2]={1,2}",
        ])
    func malformedArrays(text: String) {
        #expect(throws: PostgresError.self) { try [String](postgresText: text) }
    }

    @Test("integers, booleans and doubles")
    func scalars() throws {
        #expect(Int.min.postgresText == "-9223372036854775808")
        #expect(try Int(postgresText: "9223372036854775807") == .max)
        #expect(try Int32(postgresText: "-2147483648") == .min)
        #expect(true.postgresText == "t")
        #expect(try Bool(postgresText: "f") == false)
        #expect(Double.infinity.postgresText == "Infinity")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect(Double.nan.postgresText == "NaN")
        #expect(try Double(postgresText: "-Infinity") == -.infinity)
        #expect(try Double(postgresText: "NaN").isNaN)
        #expect(try Double(postgresText: 0.1.postgresText) == 0.1)
        #expect(try Double(postgresText: "1e-05") == 0.00001)
        #expect(throws: PostgresError.self) { try Int(postgresText: "12x") }
        #expect(throws: PostgresError.self) { try Bool(postgresText: "yes") }
    }

    @Test("NULL decodes only into Optional")
    func null() throws {
        #expect(try String?(postgresText: nil) == nil)
        #expect(try Int?(postgresText: "3") == 3)
        #expect(throws: PostgresError.self) { try String(postgresText: nil) }
        #expect(throws: PostgresError.self) { try [String](postgresText: nil) }
    }

    @Test("a decoding error does not quote the value")
    func decodingErrorRedacted() {
        do {
            _ = try Int(postgresText: "secret-value")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .decoding)
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test("timestamptz is written in UTC with microseconds")
    func dateFormat() {
        #expect(Date(timeIntervalSince1970: 0).postgresText == "1970-01-01 00:00:00.000000+00")
        #expect(Date(timeIntervalSince1970: 1_795_419_540.123456).postgresText == "2026-11-23 07:39:00.123456+00")
        #expect(Date(timeIntervalSince1970: -1.5).postgresText == "1969-12-31 23:59:58.500000+00")
        #expect(Date(timeIntervalSince1970: 951_782_400).postgresText == "2000-02-29 00:00:00.000000+00")
    }

    @Test(
        "timestamptz output in any zone, timestamp and date are read",
        arguments: [
            ("2026-11-23 07:39:00.123456+00", 1_795_419_540.123456),
            ("2026-11-23 07:39:00+00", 1_795_419_540.0),
            ("2026-11-23 07:39:00.1+00", 1_795_419_540.1),
            ("2026-11-23 13:09:00.5+05:30", 1_795_419_540.5),
            ("2026-11-23 04:39:00-03", 1_795_419_540.0),
            ("1970-01-01 00:53:28+00:53:28", 0.0),
            ("2026-11-23 07:39:00", 1_795_419_540.0),
            ("2026-11-23T07:39:00Z", 1_795_419_540.0),
            ("2026-11-23", 1_795_392_000.0),
            ("1969-12-31 23:59:58.5+00", -1.5),
        ])
    func dateParse(text: String, seconds: Double) throws {
        let date = try Date(postgresText: text)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test("infinite and malformed timestamps")
    func dateEdges() throws {
        #expect(try Date(postgresText: "infinity") == .distantFuture)
        #expect(try Date(postgresText: "-infinity") == .distantPast)
        for bad in [
            "", "2026-13-01", "2026-11-23 07:39", "23/11/2026", "2026-11-23 07:39:00+", "2026-11-23 07:39:00 junk",
        ] {
            #expect(throws: PostgresError.self, "\(bad)") { try Date(postgresText: bad) }
        }
    }

    @Test("dates round-trip at microsecond precision, BC included")
    func dateRoundTrip() throws {
        for seconds in [
            0.0, 1_795_419_540.654321, -2_208_988_800.000001, 253_402_300_799.999999, -62_167_219_200.0 - 86_400,
        ] {
            let date = Date(timeIntervalSince1970: seconds)
            let text = try #require(date.postgresText)
            let back = try Date(postgresText: text)
            #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_002, "\(text)")
        }
        #expect(
            Date(timeIntervalSince1970: -62_167_219_200.0 - 86_400).postgresText == "0002-12-31 00:00:00.000000+00 BC")
    }

    @Test("bytea hex round-trips every byte value")
    func bytea() throws {
        let bytes = (0...255).map(UInt8.init)
        let text = try #require(bytes.postgresText)
        #expect(text.hasPrefix("\\x000102"))
        #expect(try [UInt8](postgresText: text) == bytes)
        #expect(try Data(postgresText: Data(bytes).postgresText) == Data(bytes))
        #expect(try [UInt8](postgresText: "\\x") == [])
        #expect(throws: PostgresError.self) { try [UInt8](postgresText: "\\x0") }
        #expect(throws: PostgresError.self) { try [UInt8](postgresText: "\\xzz") }
        #expect(throws: PostgresError.self) { try [UInt8](postgresText: "abc") }
    }

    @Test("bytea elements of an array are hex with the backslash escaped, and parse back")
    func byteaArray() throws {
        let elements = [PostgresBytes([0x00, 0xFF, 0x22, 0x5C]), PostgresBytes([])]
        let text = try #require(elements.postgresText)
        #expect(text == #"{"\\x00ff225c","\\x"}"#)
        #expect(try [PostgresBytes](postgresText: text).map(\.bytes) == elements.map(\.bytes))
    }

    @Test("UUIDs are written lowercase and read in either case")
    func uuid() throws {
        let id = UUID()
        #expect(id.postgresText == id.uuidString.lowercased())
        #expect(try UUID(postgresText: id.uuidString.lowercased()) == id)
    }

    @Test("an error's message and description hide the input a data exception quotes")
    func errorRedaction() {
        let error = PostgresError(
            kind: .server, sqlState: .invalidTextRepresentation,
            message: #"invalid input syntax for type integer: "4111 1111 1111 1111""#)
        #expect(error.message == #"invalid input syntax for type integer: "…""#)
        #expect(!error.description.contains("4111"))
        let unique = PostgresError(
            kind: .server, sqlState: .uniqueViolation, constraint: "contacts_email_key",
            message: #"duplicate key value violates unique constraint "contacts_email_key""#,
            detail: "Key (email)=(ann@example.com) already exists.")
        #expect(unique.description.contains("23505"))
        #expect(unique.description.contains("contacts_email_key"))
        #expect(!unique.description.contains("ann@example.com"))
    }

    @Test("which errors are unavailability and which are retryable")
    func classification() {
        for kind in [PostgresError.Kind.connectionLost, .unavailable, .poolTimeout, .poolExhausted, .shutdown] {
            #expect(PostgresError(kind: kind, message: "").isUnavailable)
        }
        #expect(!PostgresError(kind: .decoding, message: "").isUnavailable)
        #expect(!PostgresError(kind: .server, sqlState: .uniqueViolation, message: "").isUnavailable)
        #expect(
            PostgresError(kind: .server, sqlState: .serializationFailure, message: "").isRetryableTransactionFailure)
        #expect(PostgresError(kind: .server, sqlState: .deadlockDetected, message: "").isRetryableTransactionFailure)
        #expect(!PostgresError(kind: .server, sqlState: .uniqueViolation, message: "").isRetryableTransactionFailure)
        #expect(SQLState.adminShutdown.meansConnectionLost)
        #expect(SQLState(rawValue: "08006").meansConnectionLost)
        #expect(!SQLState.protocolViolation.meansConnectionLost)
    }
}
