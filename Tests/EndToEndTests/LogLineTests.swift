import CRMHubTesting
import Foundation
import Glibc
import Testing

/// What operators read: every request line names the org it was for (and the listener), `crmhub migrate` writes the
/// same JSON lines as `crmhub serve`, and `crmhub worker` does not claim to listen.
@Suite("log lines")
struct LogLineTests {
    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    static func call(
        _ port: Int, _ method: String, _ path: String, token: String, body: String? = nil
    ) async throws -> RawResponse {
        var raw = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n"
        if let body { raw += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        return try await RawHTTPClient(port: port).request(raw + "\r\n" + (body ?? ""))
    }

    static func listenerLine(_ server: ServerProcess) async throws -> String {
        try await server.waitForLine(containing: #""route":"/l/{token}""#)
    }

    @Test("request lines name the org (slug in the path or from the key) and the listener; migrate and worker log as serve does")
    func context() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "logs")
        let token = "log-test-bootstrap-token-0123456789abcdef"
        let environment = ["CRMHUB_DATABASE_URL": url, "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory()]

        let migrate = try await Repository.run(Repository.crmhubBinary, ["migrate"], environment: environment)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let lines = migrate.stdout.split(separator: "\n").map(String.init)
        #expect(
            !lines.isEmpty && lines.allSatisfy { Self.json($0)?["time"] != nil && Self.json($0)?["level"] as? String == "info" },
            "\(lines)")
        #expect(
            lines.contains {
                Self.json($0)?["msg"] as? String == "migration applied" && Self.json($0)?["version"] as? String == "1"
            })
        let again = try await Repository.run(Repository.crmhubBinary, ["migrate"], environment: environment)
        #expect(
            Self.json(again.stdout.trimmingCharacters(in: .newlines))?["msg"] as? String == "schema is current", "\(again.stdout)"
        )

        let server = try ServerProcess(
            arguments: ["serve"],
            environment: environment.merging([
                "CRMHUB_HTTP_ADDRESS": "127.0.0.1:0", "CRMHUB_BOOTSTRAP_ADMIN_TOKEN": token, "CRMHUB_DB_POOL_SIZE": "2",
            ]) { $1 })
        let port = try ProcessTests.port(from: try await server.waitForLine(containing: "crmhub listening"))
        let org = try await Self.call(
            port, "POST", "/admin/v1/orgs", token: token,
            body: #"{"slug":"log-org","name":"Logs","owner":{"email":"owner@logs.vn"}}"#)
        #expect(org.status == 201, "\(org.text)")
        let listener = try await Self.call(port, "POST", "/admin/v1/orgs/log-org/listeners", token: token, body: #"{"name":"L"}"#)
        let listenerJSON = try #require(Self.json(listener.text), "\(listener.text)")
        let listenerURL = try #require(listenerJSON["url"] as? String)
        let listenerPath = String(listenerURL[try #require(listenerURL.range(of: "/l/")).lowerBound...])
        let sent = try await Self.call(port, "POST", listenerPath, token: "", body: #"{"senderUser":"owner@logs.vn","data":[]}"#)
        #expect(sent.status == 200, "\(sent.text)")
        let key = try await Self.call(
            port, "POST", "/admin/v1/orgs/log-org/api-keys", token: token, body: #"{"name":"r","scopes":["read"]}"#)
        let keyText = try #require(Self.json(key.text)?["key"] as? String, "\(key.text)")
        #expect(try await Self.call(port, "GET", "/api/v1/contacts", token: keyText).status == 200)

        // The CIOPulse portal's org, known from its Basic credentials.
        _ = try await Self.call(
            port, "PUT", "/admin/v1/orgs/log-org/ciopulse", token: token, body: #"{"portal_code":"LOGS01","ip_allowlist":[]}"#)
        let portalKey = try await Self.call(port, "POST", "/admin/v1/orgs/log-org/ciopulse/api-keys", token: token)
        let apiKey = try #require(Self.json(portalKey.text)?["api_key"] as? String, "\(portalKey.text)")
        let basic = Data("LOGS01:\(apiKey)".utf8).base64EncodedString()
        let cio = try await RawHTTPClient(port: port).request(
            "GET /api/v5/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic \(basic)\r\n\r\n")
        #expect(cio.status == 200, "\(cio.text)")
        let cioLine = try await server.waitForLine(containing: #""route":"/api/v5/contacts""#)
        #expect(
            Self.json(cioLine)?["org_id"] as? String == Self.json(try await Self.listenerLine(server))?["org_id"] as? String,
            "\(cioLine)")

        let adminLine = try await server.waitForLine(containing: #""route":"/admin/v1/orgs/{org}/listeners""#)
        #expect(Self.json(adminLine)?["org"] as? String == "log-org", "\(adminLine)")
        let listenerLine = try await Self.listenerLine(server)
        let listenerID = (listenerJSON["id"] as? String) ?? (listenerJSON["id"] as? Int).map(String.init)
        #expect(
            Self.json(listenerLine)?["listener_id"] as? String == listenerID && Self.json(listenerLine)?["org_id"] != nil,
            "\(listenerLine)")
        #expect(!listenerLine.contains(listenerPath), "the token never reaches the log")
        let readLine = try await server.waitForLine(containing: #""route":"/api/v1/contacts""#)
        #expect(Self.json(readLine)?["org"] as? String == "log-org", "\(readLine)")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)

        let worker = try ServerProcess(arguments: ["worker", "--no-migrate"], environment: environment)
        let started = try await worker.waitForLine(containing: "crmhub started without an HTTP listener")
        #expect(Self.json(started)?["delivery_workers"] as? String == "1")
        #expect(!worker.output.contains { $0.contains("crmhub listening") })
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }
}
