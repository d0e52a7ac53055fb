import Glibc
import Synchronization
import Telemetry

/// Request counts and latency histograms, one instance per event loop so the hot path never contends:
/// each loop locks only its own (uncontended) mutex; `/metrics` adds the loops up when it renders.
final class RequestStats: Sendable {
    /// Matched requests are keyed by route index; unmatched ones (404, 405, protocol errors) by method.
    struct Key: Hashable {
        let route: Int
        let method: String?
        let status: Int
    }

    struct Series {
        var buckets: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let state = Mutex<(counts: [Key: UInt64], latency: [Int: Series])>(([:], [:]))

    func record(route: Int, method: HTTPMethod, status: Int, seconds: Double) {
        // The method of a matched route is implied by the route, except HEAD answered by a GET route.
        let key = Key(route: route, method: route < 0 || method == .head ? Self.label(method) : nil, status: status)
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        state.withLock { state in
            state.counts[key, default: 0] += 1
            var series = state.latency[route] ?? Series(buckets: Array(repeating: 0, count: Self.bounds.count + 1))
            series.buckets[bucket] += 1
            series.sum += seconds
            series.count += 1
            state.latency[route] = series
        }
    }

    /// The method label of a request no route matched: a registered method, else `other`, so that clients
    /// sending made-up methods cannot add series.
    static func label(_ method: HTTPMethod) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options, .connect, .trace: method.rawValue
        default: "other"
        }
    }

    func snapshot() -> (counts: [Key: UInt64], latency: [Int: Series]) { state.withLock { $0 } }

    /// Renders the loops' stats as two families.
    static func render(_ all: [RequestStats], routes: [Route], into out: inout String) {
        var counts: [Key: UInt64] = [:]
        var latency: [Int: Series] = [:]
        for stats in all {
            let (c, l) = stats.snapshot()
            counts.merge(c, uniquingKeysWith: +)
            for (route, series) in l {
                if var existing = latency[route] {
                    for index in existing.buckets.indices { existing.buckets[index] += series.buckets[index] }
                    existing.sum += series.sum
                    existing.count += series.count
                    latency[route] = existing
                } else {
                    latency[route] = series
                }
            }
        }
        func pattern(_ route: Int) -> String { route >= 0 && route < routes.count ? routes[route].pattern : "unmatched" }
        Exposition.header(
            &out, name: "crmhub_http_requests_total", help: "HTTP requests answered, by method, route and status.",
            type: "counter")
        let lines = counts.map { key, value -> String in
            let method = key.method ?? routes[key.route].method.rawValue
            return
                "crmhub_http_requests_total{method=\"\(Exposition.labelValue(method))\",route=\"\(Exposition.labelValue(pattern(key.route)))\",status=\"\(key.status)\"} \(value)\n"
        }
        out += lines.sorted().joined()
        Exposition.header(
            &out, name: "crmhub_http_request_duration_seconds",
            help: "Time from the first byte of the request to its response being queued.", type: "histogram")
        for (route, series) in latency.sorted(by: { pattern($0.key) < pattern($1.key) }) {
            let label = "route=\"\(Exposition.labelValue(pattern(route)))\""
            var cumulative: UInt64 = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += series.buckets[index]
                out += "crmhub_http_request_duration_seconds_bucket{\(label),le=\"\(Exposition.number(bound))\"} \(cumulative)\n"
            }
            cumulative += series.buckets[bounds.count]
            out += "crmhub_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(cumulative)\n"
            out += "crmhub_http_request_duration_seconds_sum{\(label)} \(series.sum)\n"
            out += "crmhub_http_request_duration_seconds_count{\(label)} \(series.count)\n"
        }
    }
}

/// The access-log timestamp, rebuilt once per second per loop; only the milliseconds change in between.
final class LogClock {
    private var second: Int = -1
    private var prefix = ""

    func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        if spec.tv_sec != second {
            second = spec.tv_sec
            let full = Logger.timestamp()
            prefix = String(full.prefix(20))  // "2026-11-23T08:30:12."
        }
        let millis = spec.tv_nsec / 1_000_000
        return prefix + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis) + "Z"
    }
}
