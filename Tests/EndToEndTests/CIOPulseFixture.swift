import CRM
import CRMHubTesting
import Foundation
import JSON
import Postgres
import Testing

/// A running server with an org whose CIOPulse portal has a code and a 40-character key (set up through the admin
/// API), and helpers to call `/api/v5` with HTTP Basic as CIOPulse clients do.
struct CIOPulseFixture {
    let admin: AdminFixture
    let slug: String
    let orgID: Int64
    let portalCode: String
    let apiKey: String

    var server: TestServer { admin.server }

    /// Runs `body` with a server and a portal for a new org; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(allowlist: [String] = [], _ body: (CIOPulseFixture) async throws -> Result) async throws -> Result {
        try await AdminFixture.with { admin in try await body(try await make(admin: admin, allowlist: allowlist)) }
    }

    /// A portal for the org `slug` (by default a new org) on the same server.
    static func make(
        admin: AdminFixture, slug: String? = nil, allowlist: [String] = [], portalCode: String? = nil
    )
        async throws -> CIOPulseFixture
    {
        var orgSlug = slug ?? ""
        if slug == nil { orgSlug = try await admin.makeOrg("cio") }
        let slug = orgSlug
        let orgID = try await admin.server.database.platformQuery("SELECT id FROM orgs WHERE slug = \(slug)").rows[0].decode(
            0, as: Int64.self)
        let code = portalCode ?? "P" + RandomText.base62(count: 10)
        let saved = try await admin.call(
            "PUT", "/admin/v1/orgs/\(slug)/ciopulse",
            body: [
                "portal_code": .string(code), "ip_allowlist": .array(allowlist.map(JSONValue.string)),
            ])
        try #require(saved.status == 200, "\(saved.json)")
        let created = try await admin.call("POST", "/admin/v1/orgs/\(slug)/ciopulse/api-keys")
        try #require(created.status == 201, "\(created.json)")
        return CIOPulseFixture(
            admin: admin, slug: slug, orgID: orgID, portalCode: code,
            apiKey: try #require(created.json["api_key"]?.stringValue, "\(created.json)"))
    }

    /// `Basic base64(portal_code ":" api_key)`, as the document's PHP builds it.
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    var authorization: String { Self.basic(portalCode, apiKey) }

    /// A request with this portal's credentials (or `authorization`, or none when it is ""), on a fresh connection.
    func call(
        _ method: String, _ path: String, body: String? = nil, authorization: String? = nil, headers: [(String, String)] = []
    )
        async throws -> (status: Int, json: JSONValue, response: RawResponse)
    {
        var fields = headers
        let credentials = authorization ?? self.authorization
        if !credentials.isEmpty { fields.append(("Authorization", credentials)) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        let response = try await server.request(method, path, headers: fields, body: body)
        let json = (try? JSONParser.parse(response.body)) ?? .null
        return (response.status, json, response)
    }

    func put(_ systemID: String, _ body: String) async throws -> (status: Int, json: JSONValue, response: RawResponse) {
        try await call("PUT", "/api/v5/contacts/\(Self.escape(systemID))", body: body)
    }

    func get(_ systemID: String) async throws -> (status: Int, json: JSONValue, response: RawResponse) {
        try await call("GET", "/api/v5/contacts/\(Self.escape(systemID))")
    }

    func delete(_ systemID: String) async throws -> (status: Int, json: JSONValue, response: RawResponse) {
        try await call("DELETE", "/api/v5/contacts/\(Self.escape(systemID))")
    }

    /// Creates a contact through PUT and expects 201.
    @discardableResult
    func addContact(
        _ systemID: String, first: String = "Tim", last: String = "Test", email: String, mobile: String? = nil
    )
        async throws -> JSONValue
    {
        var object: JSONObject = ["first_name": .string(first), "last_name": .string(last), "email": .string(email)]
        if let mobile { object["mobile"] = .string(mobile) }
        let created = try await put(systemID, JSONWriter.string(.object(object)))
        #expect(created.status == 201, "\(created.response.text)")
        return created.json
    }

    @discardableResult
    func adminCall(
        _ method: String, _ path: String, _ body: JSONValue? = nil
    ) async throws -> (status: Int, json: JSONValue, response: RawResponse) {
        try await admin.call(method, "/admin/v1/orgs/\(slug)\(path)", body: body)
    }

    /// Rows read as the database owner (every org).
    func rows(_ query: Query) async throws -> [Row] { try await server.database.platformQuery(query).rows }

    func count(_ query: Query) async throws -> Int { try await rows(query)[0].decode(0, as: Int.self) }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? segment
    }

    /// Expects the document's error shape: exactly `{"message": …, "status": status}` with that HTTP status.
    static func expectError(
        _ result: (status: Int, json: JSONValue, response: RawResponse), _ status: Int, containing text: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == status, "\(result.response.text)", sourceLocation: sourceLocation)
        #expect(result.response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        #expect(
            result.json.objectValue?.keys == ["message", "status"], "\(result.response.text)", sourceLocation: sourceLocation)
        #expect(result.json["status"]?.intValue == status, sourceLocation: sourceLocation)
        if let text {
            #expect(
                result.json["message"]?.stringValue?.contains(text) == true, "\(result.response.text)",
                sourceLocation: sourceLocation)
        }
    }
}
