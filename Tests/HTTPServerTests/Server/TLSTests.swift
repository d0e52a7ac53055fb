import COpenSSL
import CRMHubTesting
import Foundation
import Testing

@testable import HTTPServer

@Suite("TLS listener with a real OpenSSL client")
struct TLSTests {
    /// Runs `body` with an HTTPS server whose certificate is in a fresh directory; the server stops and the
    /// directory goes whether `body` returns or throws.
    static func withFixture(_ body: (ServerFixture, _ directory: String, TLSContext) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "crmhub-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (certificate, key) = try TestCertificate.make(in: directory)
        let context = try TLSContext(certificateFile: certificate, keyFile: key)
        try await ServerFixture.with(configure: {
            $0.httpsAddress = BindAddress(host: "127.0.0.1", port: 0)
            $0.tls = context
        }) { fixture in try await body(fixture, directory, context) }
    }

    @Test("HTTPS request over TLS 1.3 and TLS 1.2, certificate verified")
    func request() async throws {
        try await Self.withFixture { fixture, directory, _ in
            let port = try #require(fixture.server.httpsPort)
            let modern = try TLSTestClient(port: port, caFile: "\(directory)/server.crt")
            #expect(modern.negotiatedVersion == "TLSv1.3")
            let text = try await modern.request("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 200") && text.hasSuffix("hello"))
            let second = try await modern.request("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nping")
            #expect(second.hasSuffix("ping"))
            let tls12 = try TLSTestClient(port: port, caFile: "\(directory)/server.crt", maxVersion: TLS1_2_VERSION)
            #expect(tls12.negotiatedVersion == "TLSv1.2")
        }
    }

    @Test("TLS 1.1 and older are refused")
    func oldVersions() async throws {
        try await Self.withFixture { fixture, directory, _ in
            let port = try #require(fixture.server.httpsPort)
            #expect(throws: (any Error).self) {
                _ = try TLSTestClient(port: port, caFile: "\(directory)/server.crt", maxVersion: TLS1_1_VERSION)
            }
        }
    }

    @Test("reload serves the new certificate to new connections and keeps open ones")
    func reload() async throws {
        try await Self.withFixture { fixture, directory, context in
            let port = try #require(fixture.server.httpsPort)
            let before = try TLSTestClient(port: port, caFile: "\(directory)/server.crt")
            let oldSerial = before.peerCertificateSerial
            // Replace the files in place, as a certificate renewal would, then reload.
            let fresh = try TestCertificate.make(in: directory, name: "renewed")
            try FileManager.default.removeItem(atPath: "\(directory)/server.crt")
            try FileManager.default.removeItem(atPath: "\(directory)/server.key")
            try FileManager.default.copyItem(atPath: fresh.certificate, toPath: "\(directory)/server.crt")
            try FileManager.default.copyItem(atPath: fresh.key, toPath: "\(directory)/server.key")
            try context.reload()
            let after = try TLSTestClient(port: port, caFile: "\(directory)/server.crt")
            #expect(after.peerCertificateSerial != oldSerial)
            let stillOpen = try await before.request("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(stillOpen.hasSuffix("hello"))
        }
    }

    @Test("plain HTTP bytes on the TLS port do not take the server down")
    func plaintextOnTLSPort() async throws {
        try await Self.withFixture { fixture, directory, _ in
            let port = try #require(fixture.server.httpsPort)
            let client = try RawHTTPClient(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.isClosedByPeer())
            let plain = try await fixture.client().request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain.status == 200)
        }
    }
}
