import Testing

@testable import Telemetry

@Suite("Prometheus exposition and JSON log lines")
struct MetricsTests {
    @Test("counters, histograms and gauges render in the text format")
    func render() {
        let registry = MetricsRegistry()
        let counter = registry.counter("requests_total", help: "Requests.", labels: ["route", "status"])
        counter.increment(["/a", "200"])
        counter.increment(["/a", "200"])
        counter.increment(["/b\"x", "500"])
        let histogram = registry.histogram("latency_seconds", help: "Latency.", buckets: [0.1, 1])
        histogram.observe(0.05)
        histogram.observe(0.5)
        histogram.observe(5)
        registry.gauge("open", help: "Open.") { [([], 3)] }
        let text = registry.render()
        #expect(text.contains("# TYPE requests_total counter"))
        #expect(text.contains("requests_total{route=\"/a\",status=\"200\"} 2"))
        #expect(text.contains("requests_total{route=\"/b\\\"x\",status=\"500\"} 1"))
        #expect(text.contains("latency_seconds_bucket{le=\"0.1\"} 1"))
        #expect(text.contains("latency_seconds_bucket{le=\"1\"} 2"))
        #expect(text.contains("latency_seconds_bucket{le=\"+Inf\"} 3"))
        #expect(text.contains("latency_seconds_count 3"))
        #expect(text.contains("open 3"))
    }

    @Test(
        "label values escape backslash, double quote and line feed, a CR LF pair included",
        arguments: [
            ("plain", "plain"),
            ("a\\b", #"a\\b"#),
            ("say \"hi\"", #"say \"hi\""#),
            ("a\nb", #"a\nb"#),
            ("a\r\nb", "a\r" + #"\nb"#),
            ("\r\n\r\n", "\r" + #"\n"# + "\r" + #"\n"#),
            ("é\u{301}\n", "é\u{301}" + #"\n"#),
        ])
    func escape(value: String, escaped: String) {
        #expect(Exposition.labelValue(value) == escaped)
    }

    @Test("a label value holding CR LF and a metric line renders on one line")
    func injection() {
        let registry = MetricsRegistry()
        let counter = registry.counter("items_total", help: "Items.", labels: ["action"])
        counter.increment(["x\"} 1\r\nfake_metric{a=\"b\"} 666\r\n"])
        let lines = registry.render().utf8.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 3)
        #expect(!lines.contains { $0.hasPrefix("fake_metric") })
        #expect(lines.last == #"items_total{action="x\"} 1\#r\nfake_metric{a=\"b\"} 666\#r\n"} 1"#)
    }

    @Test("JSON lines escape control characters and quotes")
    func jsonLine() {
        var line = JSONLine()
        line.add("msg", "a\"b\\c\nd\u{1}")
        line.add("n", 3)
        #expect(line.finished() == "{\"msg\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":3}\n")
    }

    @Test("log levels parse by name")
    func levels() {
        #expect(LogLevel(name: "WARN") == .warning)
        #expect(LogLevel(name: "loud") == nil)
        #expect(LogLevel.debug < LogLevel.error)
    }
}
