import App
import CRM
import CRMHubTesting
import HTTPServer
import JSON
import Postgres
import Testing

/// A running server with an org, its sender user and one listener, for listener ingestion tests.
struct ListenerFixture {
    static let sender = "huy.nguyenviet@htklabs.com"

    let admin: AdminFixture
    let slug: String
    let orgID: Int64
    /// "/l/<token>".
    let path: String
    let listenerID: String

    var server: TestServer { admin.server }

    /// Runs `body` with a server, an org with the sender user and a listener made with the settings `listener`; the
    /// server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(
        listener: JSONObject = [:], configure: @Sendable (inout Configuration) -> Void = { _ in },
        _ body: (ListenerFixture) async throws -> Result
    ) async throws -> Result {
        try await AdminFixture.with(configure: configure) { admin in
            try await body(try await make(admin: admin, listener: listener))
        }
    }

    /// An org with the sender user and a listener, on `admin`'s server.
    static func make(admin: AdminFixture, listener: JSONObject = [:]) async throws -> ListenerFixture {
        let slug = try await admin.makeOrg("ingest")
        let orgID = try await admin.server.database.platformQuery("SELECT id FROM orgs WHERE slug = \(slug)").rows[0].decode(
            0, as: Int64.self)
        let user = try await admin.call("POST", "/admin/v1/orgs/\(slug)/users", body: ["email": .string(sender)])
        try #require(user.status == 201, "\(user.json)")
        var settings = listener
        if settings["name"] == nil { settings["name"] = "Website" }
        let created = try await admin.call("POST", "/admin/v1/orgs/\(slug)/listeners", body: .object(settings))
        try #require(created.status == 201, "\(created.json)")
        return ListenerFixture(
            admin: admin, slug: slug, orgID: orgID, path: try #require(created.json["url_path"]?.stringValue, "\(created.json)"),
            listenerID: try #require(created.json["id"]?.stringValue, "\(created.json)"))
    }

    /// POSTs raw text to the listener URL.
    func post(
        _ body: String, path: String? = nil, headers: [(String, String)] = []
    ) async throws
        -> (status: Int, json: JSONValue, response: RawResponse)
    {
        let response = try await server.request(
            "POST", path ?? self.path, headers: [("Content-Type", "application/json")] + headers, body: body)
        let json = (try? JSONParser.parse(response.body)) ?? .null
        return (response.status, json, response)
    }

    /// POSTs `{"senderUser": sender, "data": [{"actionType": …, "data": …}, …]}`.
    func send(
        _ items: [(String, JSONValue)], sender: String = ListenerFixture.sender, headers: [(String, String)] = []
    ) async throws
        -> (status: Int, json: JSONValue, response: RawResponse)
    {
        let data = JSONValue.array(items.map { ["actionType": .string($0.0), "data": $0.1] })
        return try await post(JSONWriter.string(["senderUser": .string(sender), "data": data]), headers: headers)
    }

    /// A document sample from Tests/ListenerTests/Fixtures.
    static func sample(_ name: String) throws -> String {
        let directory = String(#filePath.split(separator: "/").dropLast(2).joined(separator: "/"))
        let path = "/\(directory)/ListenerTests/Fixtures/\(name).json"
        guard let file = fopen(path, "r") else { throw PostgresError(kind: .decoding, message: "no fixture \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Rows read as the database owner (every org).
    func rows(_ query: Query) async throws -> [Row] { try await server.database.platformQuery(query).rows }

    func count(_ query: Query) async throws -> Int { try await rows(query)[0].decode(0, as: Int.self) }

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let result = try await admin.call(method, "/admin/v1/orgs/\(slug)\(path)", body: body)
        #expect((200..<300).contains(result.status), "\(method) \(path): \(result.json)")
        return result.json
    }

    func addUser(_ email: String) async throws { try await admin("POST", "/users", ["email": .string(email)]) }
    func addCatalog(_ kind: String, _ name: String) async throws {
        try await admin("POST", "/catalogs/\(kind)", ["name": .string(name)])
    }
    func addGroup(_ name: String) async throws { try await admin("POST", "/groups", ["name": .string(name)]) }
    func addCustomField(
        _ entity: String, _ name: String, type: String = "text", options: [String] = [], required: Bool = false
    ) async throws {
        try await admin(
            "POST", "/custom-fields",
            [
                "entity": .string(entity), "name": .string(name), "type": .string(type),
                "options": .array(options.map(JSONValue.string)), "required": .bool(required),
            ])
    }
}

#if canImport(Glibc)
    import Glibc
#endif
