import CRMHubTesting
import JSON
import Testing

/// /metrics labels come from fixed sets, so what clients send can neither add series nor lines.
@Suite("metrics labels through the real server")
struct MetricsLabelTests {
    /// A sample line of the text format: `name{label="value",…} number`, values escaped.
    static let samplePattern =
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (NaN|[-+]?Inf|[-+0-9.eE]+)$"#

    /// The lines of a scrape, split at LF only (CR LF is one Swift Character, so String.split would not cut it).
    static func lines(_ text: String) -> [String] {
        text.utf8.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("unknown action types, CR LF and a fake metric line included, are one `unknown` series; made-up methods are `other`")
    func fixedLabels() async throws {
        try await ListenerFixture.with { fixture in
            let injected = [
                "x\r\nfake_metric{a=\"b\"} 666\r\n", "add-contact\"} 1\nfake_metric 1\n", "y\\\"} 1\r\nfake_metric 2",
            ]
            let actionTypes = (injected + (0..<2_000).map { "made-up-action-\($0)" }).map { ($0, JSONValue.object([:])) }
            let sent = try await fixture.send(actionTypes + [(" Add-Note ", ["content": "hi"])])
            #expect(sent.status == 207 || sent.status == 422, "\(sent.json)")
            #expect(sent.json["results"]?[2003]?["actionType"] == " Add-Note ")
            for method in (0..<50).map({ "MADEUP\($0)" }) {
                _ = try await fixture.server.request(method, "/nowhere")
            }

            let scrape = try await fixture.server.request("GET", "/metrics")
            #expect(scrape.status == 200)
            let lines = Self.lines(scrape.text)
            let sample = try Regex(Self.samplePattern)
            #expect(!scrape.text.contains("\r"))
            #expect(!lines.contains { $0.hasPrefix("fake_metric") })
            for line in lines where !line.hasPrefix("#") {
                #expect(line.wholeMatch(of: sample) != nil, "not a sample line: \(line.debugDescription)")
            }
            let series = lines.filter { $0.hasPrefix("crmhub_listener_items_total{") }
            let actions = Set(series.compactMap { $0.firstMatch(of: #/action="([^"]*)"/#).map { String($0.1) } })
            #expect(actions.isSubset(of: ["unknown", "add-note", "add-contact"]), "\(actions)")
            #expect(
                series.filter { $0.contains("action=\"unknown\"") } == [
                    #"crmhub_listener_items_total{action="unknown",outcome="error"} 2003"#
                ])
            let unmatched = lines.filter { $0.hasPrefix("crmhub_http_requests_total{") && $0.contains("route=\"unmatched\"") }
            #expect(!unmatched.contains { $0.contains("MADEUP") }, "\(unmatched)")
            #expect(
                unmatched.contains(#"crmhub_http_requests_total{method="other",route="unmatched",status="404"} 50"#),
                "\(unmatched)")
        }
    }
}
