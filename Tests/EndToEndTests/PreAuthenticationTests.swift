import CRMHubTesting
import Foundation
import Testing

/// What a request costs before it is authenticated: no body read for a credential in the URL or the headers that
/// opens nothing, a global budget for the bodies being received, and a cap on one client's connections.
@Suite("before authentication")
struct PreAuthenticationTests {
    /// A 4 MiB JSON object of distinct keys: once parsed before the listener token was checked.
    static let hostileBody: String = {
        var text = "{"
        var index = 0
        while text.utf8.count < (4 << 20) - 64 {
            text += "\"k\(index)\":0,"
            index += 1
        }
        return text + "\"end\":0}"
    }()

    static func basic(_ user: String, _ password: String) -> String {
        Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test("a 4 MiB body to an unknown listener URL, with a wrong admin token or CIOPulse key is refused unread, in milliseconds")
    func refusedUnread() async throws {
        try await TestServer.with { server in
            let bodyHead = "Content-Type: application/json\r\nContent-Length: \(Self.hostileBody.utf8.count)\r\n\r\n"
            let targets = [
                // A well-formed token that no listener has.
                ("POST /l/crmhub_lt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: x\r\n", 404),
                ("POST /l/anything HTTP/1.1\r\nHost: x\r\n", 404),
                ("POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n", 401),
                // A portal code and a 40-character key that open nothing (looked up), and no credentials at all.
                (
                    "PUT /api/v5/contacts/C1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \(Self.basic("NOPORTAL", String(repeating: "k", count: 40)))\r\n",
                    401
                ),
                ("PUT /api/v5/contacts/C1 HTTP/1.1\r\nHost: x\r\n", 401),
            ]
            for (head, status) in targets {
                let client = try RawHTTPClient(port: server.port)
                let started = ContinuousClock.now
                try await client.send(head + bodyHead)  // the head only: the body is never sent
                let response = try await client.readResponse()
                let elapsed = ContinuousClock.now - started
                #expect(response.status == status, "\(head)")
                #expect(elapsed < .seconds(1), "\(head): \(elapsed)")
                #expect(await client.isClosedByPeer())
            }
        }
    }

    @Test("bodies beyond the body memory budget get 503 before they are read; the budget is returned after each request")
    func bodyBudget() async throws {
        try await TestServer.with(configure: { $0.maxBodyMemory = 100_000 }) { server in
            // SpiceCSM's credentials are in its body, so its bodies are read before any check. A connection that
            // announces 60 kB and sends only part of it holds its reservation.
            var holder: RawHTTPClient? = try RawHTTPClient(port: server.port)
            try await holder?.send(
                "POST /integrations/spicecsm/nobody/search HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n{")
            try await Task.sleep(for: .milliseconds(200))
            let second = try RawHTTPClient(port: server.port)
            let refused = try await second.request(
                "POST /integrations/spicecsm/nobody/search HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n")
            #expect(refused.status == 503)
            // Once the first connection is gone, its reservation is back.
            holder?.resetOnClose()
            holder = nil
            try await Task.sleep(for: .milliseconds(200))
            let third = try RawHTTPClient(port: server.port)
            let body = String(repeating: " ", count: 50_000)
            let accepted = try await third.request(
                "POST /integrations/spicecsm/nobody/search HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            #expect(accepted.status != 503)  // read, then answered by the route
        }
    }

    @Test("one client address gets at most its maximum of open connections; others are answered 503")
    func connectionsPerClient() async throws {
        try await TestServer.with(configure: { $0.maxConnectionsPerClient = 4 }) { server in
            var open: [RawHTTPClient] = []
            for _ in 0..<4 {
                let client = try RawHTTPClient(port: server.port)
                #expect(try await client.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
                open.append(client)
            }
            let fifth = try RawHTTPClient(port: server.port)
            #expect(try await fifth.readResponse().status == 503)
            open.removeLast()
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await RawHTTPClient(port: server.port).request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
        }
    }
}
