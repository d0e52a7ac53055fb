import COpenSSL
import CRMHubTesting
import Foundation
import Glibc
import Testing

/// Clients that hang up at the worst moment. Each used to be a remote kill switch: OpenSSL writes with plain
/// `write()`, and SIGPIPE's default action ended the process (exit 141), taking HTTP and HTTPS down together.
@Suite("hostile clients against the crmhub binary")
struct HostileClientTests {
    enum ClosePattern: String, CaseIterable {
        case afterHandshake, resetAfterHandshake, partialRequest, requestWithoutReading, resetAfterRequest
        case midResponse, resetMidResponse
    }

    @Test("the server survives every close pattern over TLS 1.2 and 1.3, repeated", .timeLimit(.minutes(3)))
    func closePatterns() async throws {
        try await HTTPSServerProcess.with(environment: ["CRMHUB_OPENAPI_FILE": Repository.root + "/openapi/openapi.yaml"]) {
            server, certificate in
            try await Self.closeEveryWay(server, certificate)
        }
    }

    static func closeEveryWay(_ server: ServerProcess, _ certificate: String) async throws {
        let line = try await server.waitForLine(containing: "crmhub listening")
        let httpPort = try ProcessTests.port(from: line)
        let httpsPort = try Self.httpsPort(from: line)
        // A large response (the OpenAPI document) so that a client can leave while it is being written.
        let large = "GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n"
        for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
            for _ in 0..<3 {
                for pattern in ClosePattern.allCases {
                    let client = try TLSTestClient(port: httpsPort, caFile: certificate, minVersion: version, maxVersion: version)
                    switch pattern {
                    case .afterHandshake: client.abandon(reset: false)
                    case .resetAfterHandshake: client.abandon(reset: true)
                    case .partialRequest:
                        try client.send("POST /l/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"")
                        client.abandon(reset: false)
                    case .requestWithoutReading:
                        try client.send(large)
                        client.abandon(reset: false)
                    case .resetAfterRequest:
                        try client.send(large)
                        client.abandon(reset: true)
                    case .midResponse, .resetMidResponse:
                        try client.send(large)
                        _ = client.readSome()
                        client.abandon(reset: pattern == .resetMidResponse)
                    }
                }
                // Give the server time to write into the closed sockets before checking it is still there.
                try await Task.sleep(for: .milliseconds(100))
                #expect(server.isRunning, "crmhub died after TLS \(version) close patterns: \(server.output.suffix(5))")
            }
        }
        // Plain HTTP: a request whose response is never read, then a reset.
        for _ in 0..<3 {
            let client = try RawHTTPClient(port: httpPort)
            try await client.send(large)
            client.resetOnClose()
        }
        try await Task.sleep(for: .milliseconds(100))
        let health = try await RawHTTPClient(port: httpPort).request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(health.status == 200)
        let tls = try TLSTestClient(port: httpsPort, caFile: certificate)
        #expect(try await tls.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200"))
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    static func httpsPort(from line: String) throws -> Int {
        guard let range = line.range(of: "https://127.0.0.1:") else { throw TestError("no HTTPS URL in \(line)") }
        return try #require(Int(line[range.upperBound...].prefix { $0.isNumber }))
    }
}
