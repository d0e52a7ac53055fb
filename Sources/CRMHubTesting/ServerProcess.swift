import CShims
import Foundation
import Glibc

/// A running `crmhub serve` child process whose log lines the test can read.
public final class ServerProcess: @unchecked Sendable {
    // Invariant: `lines` is guarded by `lock`; `process` is only signalled and waited on.
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""
    private var reachedEnd = false

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
            guard let self else { return }
            self.lock.lock()
            if data.isEmpty {
                // End of output: every line the process wrote before exiting has been collected.
                self.reachedEnd = true
                handle.readabilityHandler = nil
                if !self.partial.isEmpty { self.lines.append(self.partial) }
                self.partial = ""
                self.lock.unlock()
                return
            }
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

    /// Waits for the process to exit and for its last output to be read: the pipe is drained on another thread,
    /// so without the second wait a test could look for the final log line before it has arrived.
    public func waitForExit() async throws -> Int32 {
        let status = try await blocking {
            self.process.waitUntilExit()
            return self.process.terminationStatus
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if outputEnded { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return status
    }

    private var outputEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reachedEnd
    }
}
