import CShims
import Foundation
import Glibc

/// A private PostgreSQL cluster (scripts/pg-cluster.sh, fsync off) that a test may stop and start: outage and
/// recovery tests of the pool and of the server.
public final class PrivateCluster: Sendable {
    public let directory: String
    public let port: Int
    public let conninfo: String
    /// pg-cluster.sh's settings for this cluster (PG_LISTEN, PG_OPTIONS), kept for restarts.
    let environment: [String: String]

    /// Runs `body` with a new cluster and destroys it afterwards, whether `body` returns or throws: a cluster left
    /// running would outlive the test run.
    public static func with<T>(
        environment: [String: String] = [:], _ body: (PrivateCluster) async throws -> T
    ) async throws -> T {
        let cluster = try await start(environment: environment)
        do {
            let result = try await body(cluster)
            await cluster.destroy()
            return result
        } catch {
            await cluster.destroy()
            throw error
        }
    }

    /// Starts a cluster on a random port, trying another when the port is taken. `environment` goes to
    /// scripts/pg-cluster.sh (e.g. PG_LISTEN=127.0.0.1 for TCP, PG_OPTIONS for ssl=on).
    public static func start(environment: [String: String] = [:]) async throws -> PrivateCluster {
        let directory = NSTemporaryDirectory() + "crmhub-pg-\(UUID().uuidString.prefix(8))"
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 56000...58999)
            let result = try await script(environment, "start", directory, String(port))
            if result.status == 0, let line = result.stdout.split(separator: "\n").last {
                return PrivateCluster(directory: directory, port: port, conninfo: String(line), environment: environment)
            }
            lastError = result.stderr
        }
        throw TestError("pg-cluster.sh start failed: \(lastError)")
    }

    /// Runs `body` with a hot standby of this cluster (scripts/pg-cluster.sh standby: pg_basebackup, streaming
    /// replication) on a random port, and destroys the standby afterwards, whether `body` returns or throws.
    public func withStandby<T>(_ body: (PrivateCluster) async throws -> T) async throws -> T {
        try await scoped(try await startStandby(), stop: { await $0.destroy() }, body)
    }

    private func startStandby() async throws -> PrivateCluster {
        let directory = NSTemporaryDirectory() + "crmhub-pg-\(UUID().uuidString.prefix(8))"
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 56000...58999)
            let result = try await Self.script(environment, "standby", directory, String(port), self.directory, String(self.port))
            if result.status == 0, let line = result.stdout.split(separator: "\n").last {
                return PrivateCluster(directory: directory, port: port, conninfo: String(line), environment: environment)
            }
            lastError = result.stderr
            // A failed start keeps the copied data folder; a retry on another port starts that copy.
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw TestError("pg-cluster.sh standby failed: \(lastError)")
    }

    init(directory: String, port: Int, conninfo: String, environment: [String: String]) {
        self.directory = directory
        self.port = port
        self.conninfo = conninfo
        self.environment = environment
    }

    public func stop() async throws {
        let result = try await Self.script(environment, "stop", directory)
        guard result.status == 0 else { throw TestError("pg-cluster.sh stop failed: \(result.stderr)") }
    }

    /// Promotes this cluster, a standby, to a primary.
    public func promote() async throws {
        let result = try await Self.script(environment, "promote", directory)
        guard result.status == 0 else { throw TestError("pg-cluster.sh promote failed: \(result.stderr)") }
    }

    public func restart() async throws {
        let result = try await Self.script(environment, "start", directory, String(port))
        guard result.status == 0 else { throw TestError("pg-cluster.sh start failed: \(result.stderr)") }
    }

    public func destroy() async {
        _ = try? await Self.script(environment, "stop", directory)
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func script(
        _ environment: [String: String], _ arguments: String...
    ) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try await Repository.run(
            "/bin/bash", [Repository.root + "/scripts/pg-cluster.sh"] + arguments,
            environment: environment.merging(["PG_FAST": "1"]) { $1 })
    }
}
