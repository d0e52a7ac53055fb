import CRMHubTesting
import Foundation
import Glibc
import Testing

@Suite("the crmhub binary")
struct ProcessTests {
    static func port(from line: String) throws -> Int {
        guard let range = line.range(of: "http://127.0.0.1:") else { throw TestError("no URL in \(line)") }
        let digits = line[range.upperBound...].prefix { $0.isNumber }
        return try #require(Int(digits))
    }

    @Test("--help lists the settings; version prints")
    func help() async throws {
        let help = try await Repository.run(Repository.crmhubBinary, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("CRMHUB_DATABASE_URL") && help.stdout.contains("crmhub serve"))
        let version = try await Repository.run(Repository.crmhubBinary, ["version"])
        #expect(version.stdout.hasPrefix("crmhub "))
    }

    @Test("an invalid setting stops start-up with a message naming it")
    func invalidSetting() async throws {
        let result = try await Repository.run(
            Repository.crmhubBinary, ["serve"], environment: ["CRMHUB_DATABASE_URL": "x", "CRMHUB_DB_POOL_SIZE": "lots"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("CRMHUB_DB_POOL_SIZE"))
    }

    @Test("serve migrates, answers, and stops cleanly on SIGTERM")
    func serveAndTerminate() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "proc")
        let server = try ServerProcess(
            arguments: ["serve"],
            environment: [
                "CRMHUB_DATABASE_URL": url, "CRMHUB_HTTP_ADDRESS": "127.0.0.1:0",
                "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory(), "CRMHUB_DB_POOL_SIZE": "2",
            ])
        let line = try await server.waitForLine(containing: "crmhub listening")
        #expect(server.output.contains { $0.contains("migration applied") })
        let port = try Self.port(from: line)
        let ready = try await RawHTTPClient(port: port).request("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(ready.status == 200)
        // A request log line is JSON with the fields operators rely on.
        let access = try await server.waitForLine(containing: "\"route\":\"/readyz\"")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(access.utf8)) as? [String: Any])
        #expect(fields["status"] as? Int == 200)
        #expect(fields["method"] as? String == "GET")
        #expect(fields["request_id"] as? String != nil && fields["duration_ms"] != nil && fields["bytes"] != nil)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        #expect(server.output.contains { $0.contains("\"stopped\"") })
    }

    @Test("a failed start (a migration that fails) exits non-zero instead of hanging", .timeLimit(.minutes(1)))
    func failedStartExits() async throws {
        let directory = NSTemporaryDirectory() + "crmhub-badmig-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in try FileManager.default.contentsOfDirectory(atPath: TestDatabase.migrationsDirectory())
        where file.hasSuffix(".sql") {
            try FileManager.default.copyItem(
                atPath: TestDatabase.migrationsDirectory() + "/" + file, toPath: directory + "/" + file)
        }
        let next = try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { Int($0.prefix(4)) }.max()! + 1
        try "SELECT no_such_function();".write(
            toFile: directory + "/" + String(format: "%04d", next) + "_broken.sql", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            arguments: ["serve"],
            environment: [
                "CRMHUB_DATABASE_URL": try await TestDatabase.makeFreshDatabase(prefix: "badmig"),
                "CRMHUB_HTTP_ADDRESS": "127.0.0.1:0",
                "CRMHUB_MIGRATIONS_DIR": directory, "CRMHUB_DB_POOL_SIZE": "2",
            ])
        _ = try await server.waitForLine(containing: "start failed", timeout: .seconds(60))
        #expect(try await server.waitForExit() != 0)
    }

    @Test("SIGHUP reloads the TLS certificate without a restart")
    func sighupReload() async throws {
        try await HTTPSServerProcess.with { server, _ in
            _ = try await server.waitForLine(containing: "crmhub listening")
            server.signal(SIGHUP)
            _ = try await server.waitForLine(containing: "TLS certificate reloaded")
            server.signal(SIGTERM)
            #expect(try await server.waitForExit() == 0)
        }
    }
}

@Suite("database outage and recovery")
struct DatabaseRestartTests {
    @Test("requests during an outage get 503 quickly and the service recovers by itself")
    func restart() async throws {
        try await PrivateCluster.with { cluster in
            // The outage is the point of this test: its expected warnings (connections terminated, cannot connect)
            // are not printed among the test results.
            try await TestServer.with(configure: {
                $0.databaseURL = cluster.conninfo
                $0.logLevel = .error
            }) { server in
                #expect(try await server.request("GET", "/readyz").status == 200)
                try await cluster.stop()
                for _ in 0..<5 {
                    let started = ContinuousClock.now
                    let response = try await server.request("GET", "/readyz")
                    #expect(response.status == 503)
                    #expect(ContinuousClock.now - started < .seconds(2))
                }
                #expect(try await server.request("GET", "/healthz").status == 200)
                try await cluster.restart()
                var recovered = false
                for _ in 0..<100 where !recovered {
                    recovered = try await server.request("GET", "/readyz").status == 200
                    if !recovered { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(recovered)
            }
        }
    }
}
