import Synchronization

/// A set of metric families rendered in the Prometheus text exposition format (version 0.0.4).
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any MetricFamily]>([])

    public init() {}

    public func counter(_ name: String, help: String, labels: [String] = []) -> CounterFamily {
        register(CounterFamily(name: name, help: help, labelNames: labels))
    }

    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double]) -> HistogramFamily {
        register(HistogramFamily(name: name, help: help, labelNames: labels, buckets: buckets))
    }

    /// A gauge whose values are read when the metrics are rendered (queue depths, pool sizes, open connections).
    public func gauge(_ name: String, help: String, labels: [String] = [], read: @escaping @Sendable () -> [([String], Double)]) {
        _ = register(GaugeFamily(name: name, help: help, labelNames: labels, read: read))
    }

    /// A family that renders itself (for hot-path metrics kept in their own structures).
    public func collector(_ render: @escaping @Sendable (inout String) -> Void) {
        _ = register(CollectorFamily(render: render))
    }

    private func register<F: MetricFamily>(_ family: F) -> F {
        families.withLock { $0.append(family) }
        return family
    }

    public func render() -> String {
        var out = ""
        out.reserveCapacity(4096)
        for family in families.withLock({ $0 }) { family.render(into: &out) }
        return out
    }
}

protocol MetricFamily: Sendable {
    func render(into out: inout String)
}

final class CollectorFamily: MetricFamily {
    let render: @Sendable (inout String) -> Void
    init(render: @escaping @Sendable (inout String) -> Void) { self.render = render }
    func render(into out: inout String) { render(&out) }
}

public enum Exposition {
    public static func header(_ out: inout String, name: String, help: String, type: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    public static func labelValue(_ value: String) -> String { escape(value) }

    static func labels(_ names: [String], _ values: [String], extra: (String, String)? = nil) -> String {
        var pairs = zip(names, values).map { "\($0)=\"\(escape($1))\"" }
        if let extra { pairs.append("\(extra.0)=\"\(extra.1)\"") }
        return pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}"
    }

    /// A label value as the text format writes it: backslash, double quote and line feed escaped as `\\`,
    /// `\"` and `\n`. Scalar by scalar, not Character by Character: CR LF is one Character, which would carry
    /// its LF through unescaped and start a new line in the scrape.
    static func escape(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case "\"": out.append(contentsOf: #"\""#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Monotonic counters keyed by label values.
public final class CounterFamily: MetricFamily {
    let name: String
    let help: String
    let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    public func increment(_ labels: [String] = [], by amount: Double = 1) {
        values.withLock { $0[labels, default: 0] += amount }
    }

    public func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }

    func render(into out: inout String) {
        Exposition.header(&out, name: name, help: help, type: "counter")
        for (labels, value) in values.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += "\(name)\(Exposition.labels(labelNames, labels)) \(Exposition.number(value))\n"
        }
    }
}

/// Cumulative histograms keyed by label values.
public final class HistogramFamily: MetricFamily {
    let name: String
    let help: String
    let labelNames: [String]
    let buckets: [Double]
    private let series = Mutex<[[String]: Series]>([:])

    struct Series {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets.sorted()
    }

    public func observe(_ value: Double, _ labels: [String] = []) {
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.withLock { all in
            var entry = all[labels] ?? Series(counts: Array(repeating: 0, count: buckets.count + 1))
            entry.counts[index] += 1
            entry.sum += value
            entry.count += 1
            all[labels] = entry
        }
    }

    func render(into out: inout String) {
        Exposition.header(&out, name: name, help: help, type: "histogram")
        for (labels, entry) in series.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (index, bound) in buckets.enumerated() {
                cumulative += entry.counts[index]
                let le = Exposition.labels(labelNames, labels, extra: ("le", Exposition.number(bound)))
                out += "\(name)_bucket\(le) \(cumulative)\n"
            }
            cumulative += entry.counts[buckets.count]
            out += "\(name)_bucket\(Exposition.labels(labelNames, labels, extra: ("le", "+Inf"))) \(cumulative)\n"
            out += "\(name)_sum\(Exposition.labels(labelNames, labels)) \(entry.sum)\n"
            out += "\(name)_count\(Exposition.labels(labelNames, labels)) \(entry.count)\n"
        }
    }
}

/// Gauges read from their owners at render time.
final class GaugeFamily: MetricFamily {
    let name: String
    let help: String
    let labelNames: [String]
    let read: @Sendable () -> [([String], Double)]

    init(name: String, help: String, labelNames: [String], read: @escaping @Sendable () -> [([String], Double)]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.read = read
    }

    func render(into out: inout String) {
        Exposition.header(&out, name: name, help: help, type: "gauge")
        for (labels, value) in read() {
            out += "\(name)\(Exposition.labels(labelNames, labels)) \(Exposition.number(value))\n"
        }
    }
}
