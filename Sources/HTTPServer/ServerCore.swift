import JSON
import Synchronization
import Telemetry

/// Turns an error thrown by a handler into a response. The application supplies one that knows its error types.
public typealias ErrorResponder = @Sendable (any Error, Request) -> Response

/// What every connection of a server shares: configuration, routes, counters, logging and metrics.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let router: Router
    let logger: Logger
    let errorResponder: ErrorResponder
    let addressResolver: ClientAddressResolver
    let requestIDs = RequestIDGenerator()

    /// Takes `bytes` from the body memory budget; false (nothing taken) when they do not fit.
    func reserveBody(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        let total = bodyMemory.add(bytes, ordering: .relaxed).newValue
        if total > configuration.maxBodyMemory {
            _ = bodyMemory.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseBody(_ bytes: Int) {
        if bytes > 0 { _ = bodyMemory.subtract(bytes, ordering: .relaxed) }
    }

    /// Counts a new connection from `client`; false (not counted) when it already has its maximum.
    func admitClient(_ client: IPAddress?) -> Bool {
        guard let client else { return true }
        return clientConnections.withLock { counts in
            let open = counts[client] ?? 0
            guard open < configuration.maxConnectionsPerClient else { return false }
            counts[client] = open + 1
            return true
        }
    }

    func releaseClient(_ client: IPAddress?) {
        guard let client else { return }
        clientConnections.withLock { counts in
            let left = (counts[client] ?? 1) - 1
            counts[client] = left > 0 ? left : nil
        }
    }

    let openConnections = Atomic<Int>(0)
    let inFlightRequests = Atomic<Int>(0)
    let draining = Atomic<Bool>(false)
    /// Bytes of request bodies reserved by connections (``ServerConfiguration/maxBodyMemory``).
    let bodyMemory = Atomic<Int>(0)
    /// Open connections per client address (``ServerConfiguration/maxConnectionsPerClient``).
    let clientConnections = Mutex<[IPAddress: Int]>([:])

    let protocolErrors: CounterFamily
    let refusedConnections: CounterFamily

    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let idleTimeout: UInt64
    let writeTimeout: UInt64

    init(
        configuration: ServerConfiguration, router: Router, logger: Logger, metrics: MetricsRegistry,
        errorResponder: @escaping ErrorResponder
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.errorResponder = errorResponder
        addressResolver = ClientAddressResolver(trustedProxies: configuration.trustedProxies)
        headerTimeout = configuration.headerTimeout.nanoseconds
        bodyTimeout = configuration.bodyTimeout.nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        writeTimeout = configuration.writeTimeout.nanoseconds
        protocolErrors = metrics.counter(
            "crmhub_http_protocol_errors_total", help: "Requests refused by the HTTP parser, by status.", labels: ["status"])
        refusedConnections = metrics.counter(
            "crmhub_http_refused_connections_total", help: "Connections refused because the server was at its limit.")
        metrics.gauge("crmhub_http_open_connections", help: "Open client connections.") { [weak self] in
            [([], Double(self?.openConnections.load(ordering: .relaxed) ?? 0))]
        }
        metrics.gauge("crmhub_http_requests_in_flight", help: "Requests being handled.") { [weak self] in
            [([], Double(self?.inFlightRequests.load(ordering: .relaxed) ?? 0))]
        }
    }

    /// Records one answered request: metrics, and one JSON access-log line. Every field is safe JSON by
    /// construction (method tokens, route patterns from code, validated request ids, numbers, IP addresses),
    /// so the line is built without escaping. Never bodies or secrets: the route is the pattern, not the path.
    func record(
        route: Int, method: HTTPMethod, status: Int, bytes: Int, started: UInt64, requestID: String,
        client: IPAddress?, context: [(String, String)] = [], on loop: EventLoop
    ) {
        let nanoseconds = MonotonicClock.nanoseconds() &- started
        loop.requestStats.record(route: route, method: method, status: status, seconds: Double(nanoseconds) / 1e9)
        if route >= 0, let onAnswered = configuration.onAnswered {
            onAnswered(
                AnsweredRequest(
                    route: router.routes[route].pattern, method: method.rawValue, status: status,
                    seconds: Double(nanoseconds) / 1e9, context: context))
        }
        guard logger.isEnabled(.info) else { return }
        let micros = Int(nanoseconds / 1000)
        let fraction = micros % 1000
        var line = "{\"time\":\""
        line.reserveCapacity(256)
        line += loop.logClock.timestamp()
        line += "\",\"level\":\"info\",\"msg\":\"request\",\"method\":\""
        line += method.rawValue
        line += "\",\"route\":\""
        line += route >= 0 ? router.routes[route].pattern : "unmatched"
        line += "\",\"status\":"
        line += String(status)
        line += ",\"bytes\":"
        line += String(bytes)
        line += ",\"duration_ms\":"
        line += String(micros / 1000)
        line += fraction < 10 ? ".00" : fraction < 100 ? ".0" : "."
        line += String(fraction)
        line += ",\"request_id\":\""
        line += requestID
        if let client {
            line += "\",\"client\":\""
            line += client.description
        }
        line += "\""
        for (name, value) in context {
            line += ","
            JSONWriter.quote(name, into: &line)
            line += ":"
            JSONWriter.quote(value, into: &line)
        }
        line += "}\n"
        logger.writeRaw(line)
    }

    /// What the access-log line says about whom a request was for: the configured route parameters (the org's
    /// slug in the path) and the fields the handler added (`Response.logFields`).
    func logContext(_ request: Request, _ logFields: [(String, String)]) -> [(String, String)] {
        var context: [(String, String)] = []
        for name in router.loggedParameters {
            if let value = request.parameters[name] { context.append((name, value)) }
        }
        return context + logFields
    }
}

/// Request ids: a random per-process prefix and a counter; unique across instances, cheap to make.
final class RequestIDGenerator: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        prefix = String(UInt64.random(in: 0..<(1 << 40)), radix: 16)
    }

    func next() -> String {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + String(value, radix: 16)
    }

    /// An incoming X-Request-Id is kept when it is 1–128 characters of [A-Za-z0-9._:-].
    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= 128 else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x2D
        }
    }
}
