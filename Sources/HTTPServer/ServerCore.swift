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

    let openConnections = Atomic<Int>(0)
    let inFlightRequests = Atomic<Int>(0)
    let draining = Atomic<Bool>(false)

    let requestsTotal: CounterFamily
    let requestDuration: HistogramFamily
    let protocolErrors: CounterFamily
    let refusedConnections: CounterFamily

    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let idleTimeout: UInt64
    let writeTimeout: UInt64

    init(configuration: ServerConfiguration, router: Router, logger: Logger, metrics: MetricsRegistry,
         errorResponder: @escaping ErrorResponder) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.errorResponder = errorResponder
        addressResolver = ClientAddressResolver(trustedProxies: configuration.trustedProxies)
        headerTimeout = configuration.headerTimeout.nanoseconds
        bodyTimeout = configuration.bodyTimeout.nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        writeTimeout = configuration.writeTimeout.nanoseconds
        requestsTotal = metrics.counter(
            "crmhub_http_requests_total", help: "HTTP requests answered, by method, route and status.",
            labels: ["method", "route", "status"])
        requestDuration = metrics.histogram(
            "crmhub_http_request_duration_seconds", help: "Time from the end of the request head to the response.",
            labels: ["route"], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
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

    /// Records one answered request: metrics, and one JSON access-log line (never bodies or secrets).
    func record(method: HTTPMethod, route: String, status: Int, bytes: Int, started: UInt64, requestID: String,
                client: IPAddress?) {
        let seconds = Double(MonotonicClock.nanoseconds() &- started) / 1e9
        let routeLabel = route.isEmpty ? "unmatched" : route
        requestsTotal.increment([method.rawValue, routeLabel, String(status)])
        requestDuration.observe(seconds, [routeLabel])
        guard logger.isEnabled(.info) else { return }
        var line = JSONLine()
        line.add("time", Logger.timestamp())
        line.add("level", "info")
        line.add("msg", "request")
        line.add("method", method.rawValue)
        line.add("route", routeLabel)
        line.add("status", status)
        line.add("bytes", bytes)
        line.add("duration_ms", (seconds * 1e6).rounded() / 1e3)
        line.add("request_id", requestID)
        if let client { line.add("client", client.description) }
        logger.write(line)
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
