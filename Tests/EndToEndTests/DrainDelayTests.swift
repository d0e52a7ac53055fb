import CRMHubTesting
import Glibc
import Testing

@Suite("drain delay after SIGTERM")
struct DrainDelayTests {
    @Test("during CRMHUB_DRAIN_DELAY /readyz answers 503 draining while requests are still served; then it stops")
    func drain() async throws {
        let server = try ServerProcess(
            arguments: ["serve"],
            environment: [
                "CRMHUB_DATABASE_URL": try await SharedTestDatabase.url(), "CRMHUB_HTTP_ADDRESS": "127.0.0.1:0",
                "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory(), "CRMHUB_DB_POOL_SIZE": "2",
                "CRMHUB_DRAIN_DELAY": "2",
            ])
        let port = try ProcessTests.port(from: try await server.waitForLine(containing: "crmhub listening"))
        let get = { (path: String) in
            try await RawHTTPClient(port: port).request("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        }
        #expect(try await get("/readyz").status == 200)
        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        _ = try await server.waitForLine(containing: "\"draining\"")
        let ready = try await get("/readyz")
        #expect(ready.status == 503)
        #expect(String(decoding: ready.body, as: UTF8.self).contains("\"reason\":\"draining\""))
        #expect(try await get("/healthz").status == 200)
        #expect(try await get("/openapi.yaml").status == 200, "the listeners still serve new connections")
        #expect(ContinuousClock.now - signalled < .seconds(2), "all of the above happened within the delay")
        #expect(try await server.waitForExit() == 0)
        #expect(ContinuousClock.now - signalled >= .seconds(2))
        await #expect(throws: (any Error).self) { try await get("/healthz") }
    }
}
