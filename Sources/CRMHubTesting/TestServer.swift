import App
import Foundation
import HTTPServer
import Postgres
import Telemetry

/// The real application on an ephemeral port against the test PostgreSQL, started as `crmhub serve` would.
public final class TestServer: Sendable {
    public let application: Application
    public let port: Int

    /// Runs `body` with a server started as `configure` says, and stops the server whether `body` returns or throws.
    @discardableResult
    public static func with<Result>(
        configure: @Sendable (inout Configuration) -> Void = { _ in }, _ body: (TestServer) async throws -> Result
    ) async throws -> Result {
        try await scoped(try await start(configure), stop: { await $0.stop() }, body)
    }

    static func start(_ configure: @Sendable (inout Configuration) -> Void = { _ in }) async throws -> TestServer {
        var configuration = Configuration(databaseURL: try await SharedTestDatabase.url())
        configuration.httpAddress = BindAddress(host: "127.0.0.1", port: 0)
        configuration.migrationsDirectory = TestDatabase.migrationsDirectory()
        configuration.openAPIFile = TestDatabase.migrationsDirectory() + "/../openapi/openapi.yaml"
        configuration.consoleDirectory = TestDatabase.migrationsDirectory() + "/../console"
        configuration.databasePoolSize = 4
        configuration.ioThreads = 2
        configuration.logLevel = .warning
        // Tests share one database: a delivery worker would send other tests' outbox rows. Tests of delivery turn
        // workers on.
        configuration.delivery.workers = 0
        configure(&configuration)
        let application = try Application(configuration: configuration, logger: Logger(level: configuration.logLevel))
        try await application.start()
        return TestServer(application: application, port: application.server.httpPort ?? 0)
    }

    init(application: Application, port: Int) {
        self.application = application
        self.port = port
    }

    public var database: PostgresClient { application.database }

    public func client() throws -> RawHTTPClient { try RawHTTPClient(port: port) }

    /// A one-shot request on a fresh connection.
    public func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil
    )
        async throws -> RawResponse
    {
        var raw = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { raw += "\(name): \(value)\r\n" }
        if let body { raw += "Content-Length: \(body.utf8.count)\r\n" }
        raw += "\r\n" + (body ?? "")
        return try await client().request(raw, forHead: method == "HEAD")
    }

    func stop() async { await application.shutdown() }
}

/// One migrated database per test process, shared by the end-to-end tests (each test makes its own org).
public actor SharedTestDatabase {
    static let shared = SharedTestDatabase()
    private var created: String?

    public static func url() async throws -> String { try await shared.get() }

    private func get() async throws -> String {
        if let created { return created }
        let url = try await TestDatabase.makeFreshDatabase(prefix: "e2e")
        created = url
        return url
    }
}
