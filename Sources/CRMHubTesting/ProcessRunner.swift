import CShims
import Foundation
import Glibc

/// Runs the built `crmhub` binary or a repository script, for tests of the command line and of restarts.
public enum Repository {
    /// The repository root, from this file's location.
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The `crmhub` executable next to the test bundle in the build folder.
    public static var crmhubBinary: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("crmhub").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return root + "/.build/debug/crmhub"
    }

    /// Runs a command to completion and returns its exit status and output.
    ///
    /// posix_spawn + waitpid rather than Foundation's Process: a daemon the command starts (pg_ctl → postgres)
    /// inherits Process's internal descriptors and would keep `waitUntilExit` waiting forever.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws -> (status: Int32, stdout: String, stderr: String)
    {
        try await blocking {
            let base = NSTemporaryDirectory() + "crmhub-run-\(UUID().uuidString)"
            defer {
                try? FileManager.default.removeItem(atPath: base + ".out")
                try? FileManager.default.removeItem(atPath: base + ".err")
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            cshims_spawn_closefrom(&actions, 3)
            let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
            guard spawned == 0 else { throw TestError("cannot run \(executable): errno \(spawned)") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            let stdout = FileManager.default.contents(atPath: base + ".out") ?? Data()
            let stderr = FileManager.default.contents(atPath: base + ".err") ?? Data()
            return (exitCode, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
    }
}

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

    static func script(_ environment: [String: String], _ arguments: String...) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try await Repository.run(
            "/bin/bash", [Repository.root + "/scripts/pg-cluster.sh"] + arguments,
            environment: environment.merging(["PG_FAST": "1"]) { $1 })
    }
}

/// A running `crmhub serve` child process whose log lines the test can read.
public final class ServerProcess: @unchecked Sendable {
    // Invariant: `lines` is guarded by `lock`; `process` is only signalled and waited on.
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""

    public init(arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: Repository.crmhubBinary)
        process.arguments = arguments
        // Tests may share one database: a delivery worker would send other tests' outbox rows, so none runs
        // unless the test asks for it.
        process.environment = ProcessInfo.processInfo.environment.merging(["CRMHUB_DELIVERY_WORKERS": "0"]) { $1 }
            .merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.partial += String(decoding: data, as: UTF8.self)
            while let newline = self.partial.firstIndex(of: "\n") {
                self.lines.append(String(self.partial[..<newline]))
                self.partial = String(self.partial[self.partial.index(after: newline)...])
            }
            self.lock.unlock()
        }
        try process.run()
    }

    public var output: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits for a log line containing `text`. The deadline is generous: a loaded CI machine starts a debug
    /// binary and applies every migration slowly, and the wait ends as soon as the line appears.
    public func waitForLine(containing text: String, timeout: Duration = .seconds(90)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.contains(text) }) { return line }
            if !process.isRunning { throw TestError("crmhub exited: \(output.joined(separator: "\n"))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestError("no line containing '\(text)' in: \(output.joined(separator: "\n"))")
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    public var isRunning: Bool { process.isRunning }

    public func waitForExit() async throws -> Int32 {
        try await blocking {
            self.process.waitUntilExit()
            return self.process.terminationStatus
        }
    }
}
