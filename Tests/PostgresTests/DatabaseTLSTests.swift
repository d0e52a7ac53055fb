import CRMHubTesting
import Foundation
import Postgres
import Testing

/// TLS to PostgreSQL as the Kubernetes example connects: `sslmode=verify-full` with the CA as a file
/// (`sslrootcert=/path`), so nothing is looked up in a home directory.
@Suite("TLS to PostgreSQL")
struct DatabaseTLSTests {
    @Test("verify-full with sslrootcert: the certificate's own name is accepted; another name or another CA is refused")
    func verifyFull() async throws {
        let directory = NSTemporaryDirectory() + "crmhub-pgtls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try await Repository.run("/bin/bash", [Repository.root + "/scripts/test-ca.sh", directory, "localhost"])
        try #require(made.status == 0, "\(made.stderr)")
        let options = "-c ssl=on -c ssl_cert_file=\(directory)/server.crt -c ssl_key_file=\(directory)/server.key"
        try await PrivateCluster.with(environment: ["PG_LISTEN": "127.0.0.1", "PG_OPTIONS": options]) { cluster in
            let url = { (host: String, rootCertificate: String) in
                "postgresql://postgres@\(host):\(cluster.port)/postgres?sslmode=verify-full&sslrootcert=\(directory)/\(rootCertificate)"
            }
            let encrypted = try await Fixtures.withClient(url("localhost", "ca.crt"), poolSize: 1) { client in
                try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows[0].decode(
                    0, as: Bool.self)
            }
            #expect(encrypted)
            // The certificate names localhost only: reached as 127.0.0.1 it is the wrong name.
            let wrongName = await expectPostgresError {
                try await Fixtures.withClient(url("127.0.0.1", "ca.crt"), poolSize: 1) { try await $0.query("SELECT 1") }
            }
            #expect(
                wrongName?.message.contains("does not match host name \"127.0.0.1\"") == true, "\(String(describing: wrongName))")
            let otherCA = await expectPostgresError {
                try await Fixtures.withClient(url("localhost", "other-ca.crt"), poolSize: 1) { try await $0.query("SELECT 1") }
            }
            #expect(otherCA?.message.contains("certificate verify failed") == true, "\(String(describing: otherCA))")
        }
    }
}
