import Foundation
import Glibc

/// A real PgBouncer (Debian's, `/usr/sbin/pgbouncer`, installed by `scripts/setup-deps.sh --test`) in transaction
/// pooling mode on 127.0.0.1, in front of the test cluster. Its configuration lives in a private folder that
/// `stop()` removes.
public final class PgBouncerProcess: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let directory: String
    private let target: [String: String]
    private let output = Pipe()

    /// Starts PgBouncer for the cluster that `conninfo` (`host=… port=… user=… dbname=…`, as the test URL is)
    /// names, with `serverConnections` server connections per database and user. Tries other ports when one
    /// is taken.
    public static func start(inFrontOf conninfo: String, serverConnections: Int) async throws -> PgBouncerProcess {
        let target = try parse(conninfo)
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            let bouncer = try PgBouncerProcess(target: target, port: port, serverConnections: serverConnections)
            if try await bouncer.waitUntilListening() { return bouncer }
            bouncer.stop()
        }
        throw TestError("PgBouncer did not start on any of five ports")
    }

    private init(target: [String: String], port: Int, serverConnections: Int) throws {
        self.target = target
        self.port = port
        var template = Array((NSTemporaryDirectory() + "/crmhub-pgbouncer-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw TestError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        chmod(directory, 0o755)
        let user = target["user"] ?? "postgres"
        let ini = """
            [databases]
            * = host=\(target["host"] ?? "127.0.0.1") port=\(target["port"] ?? "5432")
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/users.txt
            pool_mode = transaction
            default_pool_size = \(serverConnections)
            max_client_conn = 200
            ignore_startup_parameters = extra_float_digits
            \(getuid() == 0 ? "user = postgres" : "")

            """
        try "\"\(user)\" \"\"\n".write(toFile: directory + "/users.txt", atomically: true, encoding: .utf8)
        try ini.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        chmod(directory + "/users.txt", 0o644)
        chmod(directory + "/pgbouncer.ini", 0o644)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/pgbouncer")
        process.arguments = [directory + "/pgbouncer.ini"]
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw TestError("could not run /usr/sbin/pgbouncer (scripts/setup-deps.sh --test installs it): \(error)")
        }
    }

    /// The test URL's settings with PgBouncer as the server, for `database`.
    public func conninfo(database: String? = nil) -> String {
        "host=127.0.0.1 port=\(port) user=\(target["user"] ?? "postgres") dbname=\(database ?? target["dbname"] ?? "postgres")"
    }

    /// Stops PgBouncer and removes its folder. SIGKILL: PgBouncer keeps no state, and the test process's threads
    /// block SIGTERM, which the child inherits.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitUntilListening() async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if (try? RawHTTPClient(port: port, timeout: 1)) != nil {
                // A port someone else listens on: PgBouncer itself failed to bind it and exits.
                try await Task.sleep(for: .milliseconds(200))
                return process.isRunning
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// `key=value` words of a conninfo without quoting, as `scripts/pg-cluster.sh` prints them.
    static func parse(_ conninfo: String) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for word in conninfo.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else {
                throw TestError("PgBouncerProcess expects a key=value conninfo, not '\(conninfo)'")
            }
            pairs[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return pairs
    }
}
