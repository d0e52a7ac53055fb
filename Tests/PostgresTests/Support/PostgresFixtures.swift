import CRMHubTesting
import Foundation
import Postgres
import Synchronization
import Testing

/// Pools against the test cluster (`CRMHUB_TEST_DATABASE_URL`), always shut down after use.
enum Fixtures {
    /// A configuration for the test cluster with a per-test application name, so a test can find its own
    /// backends in `pg_stat_activity`.
    static func configuration(
        _ url: String? = nil, poolSize: Int = 4, _ configure: (inout PostgresConfiguration) -> Void = { _ in }
    ) throws -> PostgresConfiguration {
        var configuration = PostgresConfiguration(
            connectionString: try url ?? TestDatabase.url(), poolSize: poolSize,
            applicationName: uniqueName("crmhub_test"))
        configure(&configuration)
        return configuration
    }

    /// Runs `body` with a fresh pool and shuts it down afterwards, also when `body` throws.
    static func withClient<T>(
        _ url: String? = nil, poolSize: Int = 4, _ configure: (inout PostgresConfiguration) -> Void = { _ in },
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await PostgresClient.with(try configuration(url, poolSize: poolSize, configure), body)
    }

    /// `prefix_<12 hex digits>`: a name no other test (or run) uses.
    static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + String(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF, radix: 16)
    }

    /// Monotonic time for elapsed-time assertions.
    static func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, ContinuousClock.now - start)
    }
}

/// Expects `body` to throw a `PostgresError` and returns it.
func expectPostgresError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> PostgresError? {
    do {
        _ = try await body()
        Issue.record("expected a PostgresError, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A gate that blocks pool worker threads (never tasks) until it is opened.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let waiters = Atomic<Int>(0)

    /// Blocks the calling worker thread until `open()`; gives up after `timeout` so a failing test cannot hang.
    func wait(timeout: Duration = .seconds(10)) {
        waiters.add(1, ordering: .relaxed)
        _ = semaphore.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
    }

    var waiting: Int { waiters.load(ordering: .relaxed) }

    func open(count: Int = 1) {
        for _ in 0..<count { semaphore.signal() }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A list that pool threads and tasks append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }

    var all: [Element] { items.withLock { $0 } }
}
