import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

/// What the note, deal, ticket and SMS tests share: customers and deals made through the listener, and readers of
/// the response document and the history.
enum ListenerActionSupport {
    /// Creates a contact (or a lead) through the listener; with `code` it gets that number (the
    /// org's code sequence is moved first, as the owner). Returns its internal id and its code.
    static func customer(
        _ fixture: ListenerFixture, lead: Bool = false, code: Int64? = nil, _ data: JSONValue
    )
        async throws -> (id: Int64, code: String)
    {
        let action = lead ? "add-lead" : "add-contact"
        if let code {
            let series = lead ? "lead" : "contact"
            _ = try await fixture.rows(
                "SELECT setval(crmhub_code_sequence_name(\(fixture.orgID)::bigint, \(series))::regclass, \(code - 1)::bigint)")
        }
        let sent = try await fixture.send([(action, data)])
        #expect(sent.status == 200, "\(sent.json)")
        let record = try #require(records(sent.json).first)
        if let code { #expect(record.customerId?.hasSuffix("-\(code)") == true, "\(sent.json)") }
        return (record.id, record.customerId ?? "")
    }

    /// Creates a deal through the listener (its stage must be in the org's catalog); returns its id.
    static func deal(_ fixture: ListenerFixture, _ data: JSONValue) async throws -> Int64 {
        let sent = try await fixture.send([("add-deal", data)])
        #expect(sent.status == 200, "\(sent.json)")
        let record = try #require(records(sent.json).first)
        #expect(record.kind == "deal" && record.outcome == "created", "\(sent.json)")
        return record.id
    }

    static func result(_ json: JSONValue, _ index: Int = 0) -> JSONValue { json["results"]?[index] ?? .null }

    /// The fields the errors of one item name.
    static func errorFields(_ json: JSONValue, _ index: Int = 0) -> [String] {
        result(json, index)["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
    }

    /// The message of the error naming `field`.
    static func message(_ json: JSONValue, _ index: Int = 0, field: String) -> String {
        result(json, index)["errors"]?.arrayValue?.first { $0["field"]?.stringValue == field }?["message"]?.stringValue ?? ""
    }

    struct Record: Equatable {
        let kind: String
        let id: Int64
        let customerId: String?
        let outcome: String
    }

    static func records(_ json: JSONValue, _ index: Int = 0) -> [Record] {
        (result(json, index)["records"]?.arrayValue ?? []).map { record in
            Record(
                kind: record["kind"]?.stringValue ?? "", id: Int64(record["id"]?.doubleValue ?? -1),
                customerId: record["customerId"]?.stringValue, outcome: record["outcome"]?.stringValue ?? "")
        }
    }

    /// The details of a customer's history lines of one event, oldest first.
    static func history(_ fixture: ListenerFixture, _ customerID: Int64, event: String) async throws -> [JSONValue] {
        try await fixture.rows(
            """
            SELECT detail::text FROM customer_history WHERE org_id = \(fixture.orgID) AND customer_id = \(customerID) AND event = \(event)
            ORDER BY id
            """
        ).map { try JSONParser.parse(Array(try $0.decode(0, as: String.self).utf8)) }
    }

    static func json(_ text: String?) -> JSONValue { text.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .null }

    static func userID(_ fixture: ListenerFixture, _ email: String) async throws -> Int64 {
        try await fixture.rows("SELECT id FROM users WHERE org_id = \(fixture.orgID) AND email = \(email)")[0].decode(0)
    }
}
