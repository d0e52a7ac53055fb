import Foundation

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
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws -> (status: Int32, stdout: String, stderr: String)
    {
        try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            // Files, not pipes: a daemon the command starts (pg_ctl → postgres) may inherit a pipe's write end
            // and keep it open long after the command itself has exited.
            let base = NSTemporaryDirectory() + "crmhub-run-\(UUID().uuidString)"
            _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
            _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
            defer {
                try? FileManager.default.removeItem(atPath: base + ".out")
                try? FileManager.default.removeItem(atPath: base + ".err")
            }
            process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
            process.standardError = FileHandle(forWritingAtPath: base + ".err")
            try process.run()
            process.waitUntilExit()
            let stdout = FileManager.default.contents(atPath: base + ".out") ?? Data()
            let stderr = FileManager.default.contents(atPath: base + ".err") ?? Data()
            return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
    }
}

/// A private PostgreSQL cluster that a test may stop and start (database restart tests).
public final class PrivateCluster: Sendable {
    public let directory: String
    public let port: Int
    public let conninfo: String

    public static func start() async throws -> PrivateCluster {
        let directory = NSTemporaryDirectory() + "crmhub-pg-\(UUID().uuidString.prefix(8))"
        let port = Int.random(in: 56000...58999)
        let result = try await Repository.run(
            "/bin/bash", [Repository.root + "/scripts/pg-cluster.sh", "start", directory, String(port)])
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last else {
            throw TestError("pg-cluster.sh start failed: \(result.stderr)")
        }
        return PrivateCluster(directory: directory, port: port, conninfo: String(line))
    }

    init(directory: String, port: Int, conninfo: String) {
        self.directory = directory
        self.port = port
        self.conninfo = conninfo
    }

    public func stop() async throws {
        try await Repository.run("/bin/bash", [Repository.root + "/scripts/pg-cluster.sh", "stop", directory])
    }

    public func restart() async throws {
        let result = try await Repository.run(
            "/bin/bash", [Repository.root + "/scripts/pg-cluster.sh", "start", directory, String(port)])
        guard result.status == 0 else { throw TestError("restart failed: \(result.stderr)") }
    }

    public func destroy() async {
        _ = try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
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
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
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

    /// Waits for a log line containing `text`.
    public func waitForLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.contains(text) }) { return line }
            if !process.isRunning { throw TestError("crmhub exited: \(output.joined(separator: "\n"))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestError("no line containing '\(text)' in: \(output.joined(separator: "\n"))")
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    public func waitForExit() async throws -> Int32 {
        try await blocking {
            self.process.waitUntilExit()
            return self.process.terminationStatus
        }
    }
}
