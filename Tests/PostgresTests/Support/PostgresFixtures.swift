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
        let client = PostgresClient(configuration: try configuration(url, poolSize: poolSize, configure))
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
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

/// A second private cluster (scripts/pg-cluster.sh) that a test may stop and start.
struct ScratchCluster: Sendable {
    let directory: String
    let port: Int
    let conninfo: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/pg-cluster.sh")
            .path
    }

    static func start() async throws -> ScratchCluster {
        let directory = "/tmp/crmhub-pgt-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 55_000...55_999)
            let result = try await run(["start", directory, String(port)], environment: ["PG_FAST": "1"])
            if result.status == 0, let line = result.stdout.split(separator: "\n").last {
                return ScratchCluster(directory: directory, port: port, conninfo: String(line))
            }
            lastError = result.stderr
        }
        throw TestError("pg-cluster.sh start failed: \(lastError)")
    }

    func stop() async throws {
        let result = try await Self.run(["stop", directory])
        guard result.status == 0 else { throw TestError("pg-cluster.sh stop failed: \(result.stderr)") }
    }

    func restart() async throws {
        let result = try await Self.run(["start", directory, String(port)], environment: ["PG_FAST": "1"])
        guard result.status == 0 else { throw TestError("pg-cluster.sh start failed: \(result.stderr)") }
    }

    func destroy() async {
        _ = try? await Self.run(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script without blocking a cooperative thread (the process's exit resumes the task).
    static func run(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        // Foundation stops watching a Process it has released, and the handler above would never run.
        withExtendedLifetime(process) {}
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return (status, stdout, stderr)
    }
}

/// A list that pool threads and tasks append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }

    var all: [Element] { items.withLock { $0 } }
}
