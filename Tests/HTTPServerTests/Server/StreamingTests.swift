import CRMHubTesting
import Foundation
import Testing

@testable import HTTPServer

@Suite("Streamed response bodies")
struct StreamingTests {
    static func expectedBody(count: Int, size: Int) -> [UInt8] {
        (0..<count).flatMap { [UInt8](repeating: UInt8(ascii: "a") + UInt8($0 % 26), count: size) }
    }

    @Test("a streamed body is sent chunked and the connection is reused")
    func chunked() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request("GET /stream/5/3 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.status == 200)
            #expect(response.header("Transfer-Encoding") == "chunked")
            #expect(response.header("Content-Length") == nil)
            #expect(response.body == Self.expectedBody(count: 5, size: 3))
            let next = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(next.text == "hello")
        }
    }

    @Test("the wire format is one chunk per piece and the last chunk")
    func wireFormat() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request(
                "GET /stream/2/17 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", forHead: true)
            #expect(response.header("Transfer-Encoding") == "chunked")
            let rest = try await client.readToEnd()
            #expect(
                String(decoding: rest, as: UTF8.self)
                    == "11\r\n" + String(repeating: "a", count: 17) + "\r\n11\r\n" + String(repeating: "b", count: 17)
                    + "\r\n0\r\n\r\n")
        }
    }

    @Test("HTTP/1.0 gets the body unframed and the connection closes")
    func http10() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request("GET /stream/3/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(response.header("Connection") == "close")
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.body == Self.expectedBody(count: 3, size: 4))
        }
    }

    @Test("HEAD gets the head of a streamed response and no body")
    func head() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request("HEAD /stream/3/4 HTTP/1.1\r\nHost: x\r\n\r\n", forHead: true)
            #expect(response.status == 200)
            let next = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(next.text == "hello")
        }
    }

    @Test("a producer failure ends the body without the last chunk and closes the connection")
    func failure() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            _ = try await client.request("GET /stream/5/3?fail=2 HTTP/1.1\r\nHost: x\r\n\r\n", forHead: true)
            let rest = try await client.readToEnd()
            #expect(String(decoding: rest, as: UTF8.self) == "3\r\naaa\r\n3\r\nbbb\r\n")
        }
    }

    @Test("a client that does not read holds the producer back (back-pressure)")
    func backPressure() async throws {
        try await ServerFixture.with { fixture in
            let count = 2000, size = 64 * 1024  // 128 MiB if nothing held it back
            do {
                let client = try fixture.client()
                _ = try await client.request("GET /stream/\(count)/\(size) HTTP/1.1\r\nHost: x\r\n\r\n", forHead: true)
                try await Task.sleep(for: .milliseconds(300))
                let stalled = await fixture.streams.latest?.produced ?? -1
                // Socket buffers hold a few MiB at most; without back-pressure the producer would have run far ahead.
                #expect(stalled > 0 && stalled < 300, "pieces produced while the client read nothing: \(stalled)")
                let body = try await client.readChunkedBody()
                #expect(body.count == count * size)
                #expect(await fixture.streams.latest?.produced == count)
            }
        }
    }

    @Test("requests still in flight include a stream being sent")
    func inFlight() async throws {
        try await ServerFixture.with { fixture in
            do {
                let client = try fixture.client()
                _ = try await client.request("GET /stream/2000/65536 HTTP/1.1\r\nHost: x\r\n\r\n", forHead: true)
                try await Task.sleep(for: .milliseconds(100))
                #expect(fixture.server.inFlightRequests == 1)
            }  // the client closes with unread data: a reset, and the server stops streaming
            try await Task.sleep(for: .milliseconds(300))
            #expect(fixture.server.inFlightRequests == 0)
        }
    }
}
