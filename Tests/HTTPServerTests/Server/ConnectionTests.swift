import CRMHubTesting
import Foundation
import Testing

@testable import HTTPServer

@Suite("HTTP/1.1 connections through the real server")
struct ConnectionTests {
    @Test("keep-alive: two requests on one connection")
    func keepAlive() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let first = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let second = try await client.request("GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(first.status == 200 && first.text == "hello")
            #expect(second.text == "item 42")
            #expect(first.header("Connection") == nil)
            #expect(first.header("Date") != nil)
        }
    }

    @Test("pipelined requests are answered in order, a slow one first")
    func pipelining() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            try await client.send(
                "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n")
            let texts = [
                try await client.readResponse().text, try await client.readResponse().text,
                try await client.readResponse().text, try await client.readResponse().text,
            ]
            #expect(texts == ["slow", "hello", "abc", "item 7"])
        }
    }

    @Test("HTTP/1.0 closes by default and stays open with keep-alive")
    func http10() async throws {
        try await ServerFixture.with { fixture in
            let plain = try fixture.client()
            let response = try await plain.request("GET /hello HTTP/1.0\r\n\r\n")
            #expect(response.version == "HTTP/1.0")
            #expect(response.header("Connection") == "close")
            #expect(await plain.isClosedByPeer())
            let keepAlive = try fixture.client()
            let first = try await keepAlive.request("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(first.header("Connection") == "keep-alive")
            let second = try await keepAlive.request("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(second.status == 200)
        }
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("Expect: 100-continue gets 100 before the body is sent")
    func expectContinue() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("hello")
            let final = try await client.readResponse()
            #expect(final.status == 200 && final.text == "hello")
        }
    }

    @Test("Expect: 100-continue on a body over the limit gets 413 without the body")
    func expectContinueTooLarge() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request(
                "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\nExpect: 100-continue\r\n\r\n")
            #expect(response.status == 413)
        }
    }

    @Test("HEAD answers GET's headers without a body")
    func head() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n", forHead: true)
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == "5")
            let next = try await client.request("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(next.text == "hello")  // no stray body bytes were sent after the HEAD response
        }
    }

    @Test("absolute-form target is routed by its path")
    func absoluteForm() async throws {
        try await ServerFixture.with { fixture in
            let response = try await fixture.client().request(
                "GET http://example.com/items/9?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
            #expect(response.text == "item 9")
        }
    }

    @Test("chunked body with trailers reaches the handler")
    func chunked() async throws {
        try await ServerFixture.with { fixture in
            let response = try await fixture.client().request(
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Check: 1\r\n\r\n"
            )
            #expect(response.text == "hello world")
            #expect(response.header("X-Trailer-Count") == "1")
        }
    }

    @Test("404 for an unknown path, 405 with Allow for a wrong method")
    func routing() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let missing = try await client.request("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type") == "application/problem+json")
            let wrong = try await client.request("PUT /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(wrong.status == 405)
            #expect(wrong.header("Allow") == "DELETE, GET, HEAD")
        }
    }

    @Test("HTTP/1.2 and HTTP/1.9 are answered as HTTP/1.1 on a kept-alive connection; HTTP/2.0 and HTTP/0.9 get 505")
    func versions() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            for version in ["HTTP/1.2", "HTTP/1.9", "HTTP/1.1"] {
                let response = try await client.request("GET /hello \(version)\r\nHost: x\r\n\r\n")
                #expect(response.status == 200, "\(version)")
                #expect(response.version == "HTTP/1.1", "\(version)")
                #expect(response.text == "hello", "\(version)")
                #expect(response.header("Connection") == nil, "\(version)")
            }
            for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/3.0"] {
                let refused = try fixture.client()
                let response = try await refused.request("GET /hello \(version)\r\nHost: x\r\n\r\n")
                #expect(response.status == 505, "\(version)")
                #expect(response.version == "HTTP/1.1", "\(version)")
                #expect(await refused.isClosedByPeer(), "\(version)")
            }
        }
    }

    @Test("a body over the route's limit gets 413, fixed or chunked")
    func bodyLimit() async throws {
        try await ServerFixture.with { fixture in
            let fixed = try await fixture.client().request(
                "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890")
            #expect(fixed.status == 413)
            let chunked = try await fixture.client().request(
                "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n"
            )
            #expect(chunked.status == 413)
            let fits = try await fixture.client().request(
                "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
            #expect(fits.text == "got 10")
        }
    }

    @Test("oversized header section 431, target 414")
    func limits() async throws {
        try await ServerFixture.with { fixture in
            let bigHeader = try await fixture.client().request(
                "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20000))\r\n\r\n")
            #expect(bigHeader.status == 431)
            let bigTarget = try await fixture.client().request(
                "GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(bigTarget.status == 414)
        }
    }

    @Test(
        "smuggling shapes are refused with 400 and the connection is closed",
        arguments: [
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
            "GET /hello HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n",
            "GET /hello HTTP/1.1\nHost: x\r\n\r\n",
            "GET /hello HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n",
            "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n",
            "GET /hello HTTP/1.1\r\n\r\n",
        ])
    func smuggling(raw: String) async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let response = try await client.request(raw)
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("an unknown transfer coding is 501")
    func unknownCoding() async throws {
        try await ServerFixture.with { fixture in
            let response = try await fixture.client().request(
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: frobnicate, chunked\r\n\r\n0\r\n\r\n")
            #expect(response.status == 501)
        }
    }

    @Test("a handler's error becomes the error responder's answer")
    func handlerError() async throws {
        try await ServerFixture.with { fixture in
            let response = try await fixture.client().request("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.status == 500)
            #expect(!response.text.contains("Boom"))
        }
    }

    @Test("X-Request-Id is echoed when acceptable and generated otherwise")
    func requestID() async throws {
        try await ServerFixture.with { fixture in
            let client = try fixture.client()
            let given = try await client.request("GET /request-id HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n")
            #expect(given.text == "abc-123" && given.header("X-Request-Id") == "abc-123")
            let hostile = try await client.request("GET /request-id HTTP/1.1\r\nHost: x\r\nX-Request-Id: a b\"c\r\n\r\n")
            #expect(hostile.text != "a b\"c" && hostile.header("X-Request-Id") == hostile.text && !hostile.text.isEmpty)
        }
    }
}
