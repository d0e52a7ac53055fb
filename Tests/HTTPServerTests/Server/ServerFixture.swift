import CRMHubTesting
import Foundation
import Telemetry

@testable import HTTPServer

struct Boom: Error {}

/// Lets a route ask the server it belongs to whether shutdown has begun.
final class ServerReference: @unchecked Sendable {
    // Invariant: written once, before the server accepts its first connection.
    var server: HTTPServer?
}

/// An HTTPServer on an ephemeral port with routes that exercise the protocol paths.
struct ServerFixture {
    let server: HTTPServer
    /// The stream the last /stream request made.
    let streams: StreamReference
    var port: Int { server.httpPort ?? 0 }

    /// Runs `body` with a server configured by `configure`; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(
        configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (ServerFixture) async throws -> Result
    ) async throws -> Result {
        try await scoped(try start(configure), stop: { await $0.stop() }, body)
    }

    private static func start(_ configure: (inout ServerConfiguration) -> Void) throws -> ServerFixture {
        let reference = ServerReference()
        let streams = StreamReference()
        var router = Router(defaultBodyLimit: 1 << 20)
        // Answers only once shutdown has begun: in-flight during the drain, whatever the scheduling.
        router.add(.get, "/until-draining") { _ in
            for _ in 0..<1000 where reference.server?.isDraining != true { try await Task.sleep(for: .milliseconds(10)) }
            return .text("drained")
        }
        router.addInline(.get, "/hello") { _ in .text("hello") }
        router.add(.post, "/echo") { request in
            var response = Response(status: 200, body: request.body)
            response.headers.add("X-Trailer-Count", String(request.trailers.count))
            return response
        }
        router.add(.post, "/small", bodyLimit: 10) { request in .text("got \(request.body.count)") }
        router.add(.get, "/slow") { _ in
            try await Task.sleep(for: .milliseconds(400))
            return .text("slow")
        }
        router.add(.get, "/sleep/{ms}") { request in
            try await Task.sleep(for: .milliseconds(Int(request.parameters["ms"] ?? "0") ?? 0))
            return .text("slept")
        }
        router.add(.get, "/items/{id}") { request in .text("item \(request.parameters["id"] ?? "?")") }
        router.add(.delete, "/items/{id}") { _ in Response(status: 204) }
        router.add(.get, "/client") { request in .text(request.clientAddress?.description ?? "none") }
        router.add(.get, "/request-id") { request in .text(request.requestID) }
        router.add(.get, "/fail") { _ in throw Boom() }
        // `count` pieces of `size` bytes ("a", "b", …), failing before piece `fail` when given.
        router.add(.get, "/stream/{count}/{size}") { request in
            let count = Int(request.parameters["count"] ?? "") ?? 0, size = Int(request.parameters["size"] ?? "") ?? 0
            let stream = CountingStream(count: count, size: size, failAt: request.query("fail").flatMap { Int($0) })
            streams.latest = stream
            return .streaming(headers: HeaderFields([("Content-Type", "text/plain")]), stream)
        }
        var configuration = ServerConfiguration(httpAddress: BindAddress(host: "127.0.0.1", port: 0), ioThreads: 2)
        configure(&configuration)
        let server = try HTTPServer(
            configuration: configuration, router: router, logger: Logger.discarding(), metrics: MetricsRegistry())
        reference.server = server
        try server.start()
        return ServerFixture(server: server, streams: streams)
    }

    func client() throws -> RawHTTPClient { try RawHTTPClient(port: port) }

    /// Shuts the server down unless the test already did (a second shutdown would stop stopped loops).
    private func stop() async {
        if !server.isDraining { await server.shutdown() }
    }
}

/// A streamed body of `count` pieces of `size` bytes; counts how many pieces were asked for.
actor CountingStream: ResponseBodyStream {
    let count: Int
    let size: Int
    let failAt: Int?
    private(set) var produced = 0

    init(count: Int, size: Int, failAt: Int?) {
        self.count = count
        self.size = size
        self.failAt = failAt
    }

    func next() async throws -> [UInt8]? {
        guard produced < count else { return nil }
        if produced == failAt { throw Boom() }
        produced += 1
        return [UInt8](repeating: UInt8(ascii: "a") + UInt8((produced - 1) % 26), count: size)
    }
}

final class StreamReference: @unchecked Sendable {
    // Invariant: tests read `latest` only after the response head of the request that set it arrived.
    var latest: CountingStream?
}
