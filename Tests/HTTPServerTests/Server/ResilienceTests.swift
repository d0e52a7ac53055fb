import CRMHubTesting
import Foundation
import Glibc
import Testing

@testable import HTTPServer

@Suite("timeouts, limits and hostile clients through the real server")
struct ResilienceTests {
    @Test("a header section that does not finish in time gets 408 and is closed")
    func slowHeader() async throws {
        try await ServerFixture.with(configure: { $0.headerTimeout = .seconds(1) }) { fixture in
            let client = try fixture.client()
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("a body that does not finish in time gets 408")
    func slowBody() async throws {
        try await ServerFixture.with(configure: { $0.bodyTimeout = .seconds(1) }) { fixture in
            let client = try fixture.client()
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 408)
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idle() async throws {
        try await ServerFixture.with(configure: { $0.idleTimeout = .seconds(1) }) { fixture in
            let client = try fixture.client()
            _ = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            try await Task.sleep(for: .milliseconds(1600))
            #expect(await client.isClosedByPeer())
            #expect(fixture.server.openConnections == 0)
        }
    }

    @Test("two hundred slowloris connections do not delay a normal client")
    func slowloris() async throws {
        try await ServerFixture.with(configure: { $0.headerTimeout = .seconds(30) }) { fixture in
            var attackers: [RawHTTPClient] = []
            for _ in 0..<200 {
                let attacker = try fixture.client()
                try await attacker.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-1: ")
                attackers.append(attacker)
            }
            for _ in 0..<3 {
                for attacker in attackers { try await attacker.send("a") }
                let started = ContinuousClock.now
                let response = try await fixture.client().request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(response.status == 200)
                // Generous bound: the point is "not held up behind the attackers" (who would hold it for the 30 s header
                // timeout), not speed; the whole suite runs in parallel on as few as two cores.
                #expect(ContinuousClock.now - started < .seconds(5))
            }
            #expect(fixture.server.openConnections >= 200)
        }
    }

    @Test("connections over the limit are refused with 503 and closed")
    func connectionLimit() async throws {
        try await ServerFixture.with(configure: { $0.maxConnections = 3 }) { fixture in
            var held: [RawHTTPClient] = []
            for _ in 0..<3 {
                let client = try fixture.client()
                _ = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                held.append(client)
            }
            let refused = try fixture.client()
            let response = try await refused.readResponse()
            #expect(response.status == 503)
            #expect(await refused.isClosedByPeer())
            held.removeAll()
            try await Task.sleep(for: .milliseconds(200))
            let later = try await fixture.client().request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(later.status == 200)
        }
    }

    @Test("X-Forwarded-For counts only from trusted proxies")
    func forwardedFor() async throws {
        try await ServerFixture.with { untrusted in
            let direct = try await untrusted.client().request(
                "GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
            #expect(direct.text == "127.0.0.1")
        }

        try await ServerFixture.with(configure: { $0.trustedProxies = [CIDR("127.0.0.0/8")!, CIDR("10.0.0.0/8")!] }) { trusted in
            let proxied = try await trusted.client().request(
                "GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.9, 10.1.2.3\r\n\r\n")
            #expect(proxied.text == "203.0.113.9")
            let v6 = try await trusted.client().request(
                "GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 2001:db8::7\r\n\r\n")
            #expect(v6.text == "2001:db8::7")
        }
    }

    @Test("random bytes on many connections leave the server answering")
    func randomBytes() async throws {
        try await ServerFixture.with(configure: { $0.headerTimeout = .seconds(2) }) { fixture in
            var generator = SplitMix64(seed: 42)
            for round in 0..<150 {
                let client = try fixture.client()
                var bytes = (0..<Int.random(in: 1...600, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                if round % 3 == 0 { bytes = Array("POST /echo HTTP/1.1\r\nHost: x\r\n".utf8) + bytes }
                try? await client.send(bytes)
                client.shutdownWrite()
            }
            let response = try await fixture.client().request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.status == 200 && response.text == "hello")
        }
    }

    @Test("graceful shutdown finishes in-flight requests and refuses new connections")
    func gracefulShutdown() async throws {
        try await ServerFixture.with { fixture in
            let port = fixture.port
            let busy = try fixture.client()
            try await busy.send("GET /until-draining HTTP/1.1\r\nHost: x\r\n\r\n")
            let idle = try fixture.client()
            _ = try await idle.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            for _ in 0..<500 where fixture.server.inFlightRequests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(fixture.server.inFlightRequests == 1)
            async let stopped: Void = fixture.server.shutdown()
            let response = try await busy.readResponse()
            #expect(response.status == 200 && response.text == "drained")
            #expect(response.header("Connection") == "close")
            #expect(await idle.isClosedByPeer())
            await stopped
            #expect(throws: (any Error).self) { _ = try RawHTTPClient(port: port) }
        }
    }
}
