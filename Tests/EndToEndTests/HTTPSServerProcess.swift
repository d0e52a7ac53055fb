import CRMHubTesting
import Foundation
import Glibc

/// `crmhub serve` as a child process with an HTTP and an HTTPS listener on ephemeral ports and a throw-away
/// certificate for localhost. The certificate's folder is removed and the process killed (if it still runs) whether
/// `body` returns or throws.
enum HTTPSServerProcess {
    static func with<T>(
        environment extra: [String: String] = [:],
        _ body: (_ server: ServerProcess, _ certificate: String) async throws -> T
    ) async throws -> T {
        let directory = NSTemporaryDirectory() + "crmhub-https-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (certificate, key) = try TestCertificate.make(in: directory)
        let server = try ServerProcess(
            arguments: ["serve"],
            environment: [
                "CRMHUB_DATABASE_URL": try await SharedTestDatabase.url(), "CRMHUB_HTTP_ADDRESS": "127.0.0.1:0",
                "CRMHUB_HTTPS_ADDRESS": "127.0.0.1:0", "CRMHUB_TLS_CERT_FILE": certificate, "CRMHUB_TLS_KEY_FILE": key,
                "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory(), "CRMHUB_DB_POOL_SIZE": "2",
            ].merging(extra) { $1 })
        defer { if server.isRunning { server.signal(SIGKILL) } }
        return try await body(server, certificate)
    }
}
