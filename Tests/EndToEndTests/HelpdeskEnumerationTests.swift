import CRM
import CRMHubTesting
import JSON
import Testing

/// Issue 18, point 4: an unauthenticated caller cannot tell a real org from an unknown slug on the helpdesk routes
/// (Sirportly, SpiceCSM, SmarterTrack): the same status, headers and body, and a password derivation (a decoy one)
/// when credentials are presented for an org that has none to check them against.
@Suite("helpdesk routes: unknown and known orgs look the same to unauthenticated callers")
struct HelpdeskEnumerationTests {
    /// What a caller can compare: status, the headers that vary by answer, and the body with the slug taken out.
    static func answer(_ response: RawResponse, slug: String) -> String {
        "\(response.status) \(response.header("Content-Type") ?? "-") \(response.header("WWW-Authenticate") ?? "-") "
            + response.text.replacingOccurrences(of: slug, with: "{org}")
    }

    static let unknown = "no-such-org-\(RandomText.base62(count: 6).lowercased())"

    /// The smallest of `count` timings of `body`, in seconds.
    static func fastest(_ count: Int = 3, _ body: () async throws -> Void) async rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<count {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return best
    }

    @Test(
        "Sirportly and SpiceCSM: unknown org, integration never configured or off, address outside the allowlist, missing or wrong credentials: one answer"
    )
    func formRoutes() async throws {
        try await HelpdeskFixture.with { fixture in try await check(fixture) }
    }

    func check(_ fixture: HelpdeskFixture) async throws {
        let basicWrong = ("Authorization", CIOPulseFixture.basic("sirportly", "wrong-password"))
        // Each route, and how a caller presents (wrong) credentials to it.
        let routes:
            [(
                kind: String, suffix: String, form: [(String, String)], credentials: [(String, String)],
                headers: [(String, String)]
            )] =
                [
                    ("sirportly", "", [("type", "email"), ("data", "known@example.com")], [], [basicWrong])
                ]
                + ["search", "load", "update-account", "update-case"].map {
                    (
                        "spicecsm", "/\($0)", [("Userkey", "PID-1"), ("FirstName", "Huy")],
                        [("intUser", "spice"), ("intPass", "wrong-password")], []
                    )
                }
        func answers(_ slug: String) async throws -> [String: String] {
            var seen: [String: String] = [:]
            for route in routes {
                let path = "/integrations/\(route.kind)/\(slug)\(route.suffix)"
                let bare = try await fixture.post(path, route.form)
                let wrong = try await fixture.post(path, route.form + route.credentials, headers: route.headers)
                seen["\(route.kind)\(route.suffix) without credentials"] = Self.answer(bare, slug: slug)
                seen["\(route.kind)\(route.suffix) with wrong credentials"] = Self.answer(wrong, slug: slug)
            }
            return seen
        }
        let reference = try await answers(Self.unknown)
        #expect(reference.values.allSatisfy { $0.hasPrefix("401 ") }, "\(reference)")
        #expect(try await answers(fixture.slug) == reference, "integrations never configured")
        for kind in ["sirportly", "spicecsm"] {
            try await fixture.configure(
                kind,
                [
                    "enabled": false, "username": .string(kind == "spicecsm" ? "spice" : "sirportly"),
                    "password": "the-right-password",
                ])
        }
        #expect(try await answers(fixture.slug) == reference, "integrations off")
        for kind in ["sirportly", "spicecsm"] {
            try await fixture.configure(
                kind,
                [
                    "enabled": true, "username": .string(kind == "spicecsm" ? "spice" : "sirportly"),
                    "password": "the-right-password",
                ])
        }
        #expect(try await answers(fixture.slug) == reference, "enabled, credentials missing or wrong")
        // Right credentials from an address outside the allowlist.
        try await fixture.configure(
            "spicecsm",
            [
                "enabled": true, "username": "spice", "password": "the-right-password",
                "ip_allowlist": ["203.0.113.0/24"],
            ])
        let outside = try await fixture.post(
            "/integrations/spicecsm/\(fixture.slug)/load",
            [("Userkey", "PID-1"), ("intUser", "spice"), ("intPass", "the-right-password")])
        #expect(Self.answer(outside, slug: fixture.slug) == reference["spicecsm/load with wrong credentials"])

        // Timing: credentials presented to an unknown org cost a (decoy) derivation, as wrong ones to a real org do.
        let sirportly = routes[0]
        let known = try await Self.fastest {
            _ = try await fixture.post("/integrations/sirportly/\(fixture.slug)", sirportly.form, headers: sirportly.headers)
        }
        let unknownOrg = try await Self.fastest {
            _ = try await fixture.post("/integrations/sirportly/\(Self.unknown)", sirportly.form, headers: sirportly.headers)
        }
        #expect(unknownOrg >= known * 0.5, "unknown org \(unknownOrg) s, known org \(known) s")
    }

    @Test(
        "SmarterTrack: the same description at every address, and Permission Denied for unknown orgs, integrations off, addresses outside the allowlist and wrong AuthPW"
    )
    func smarterTrack() async throws {
        try await SmarterTrackFixture.with { fixture in try await checkSmarterTrack(fixture) }
    }

    func checkSmarterTrack(_ fixture: SmarterTrackFixture) async throws {
        let server = fixture.listener.server
        let slug = fixture.listener.slug
        func call(_ slug: String, authPW: String?) async throws -> RawResponse {
            let inputs = (authPW.map { ["AuthPW=\($0)"] } ?? []) + ["LoginUsername=myusername", "LoginPassword=mypassword"]
            return try await server.request(
                "POST", "/integrations/smartertrack/\(slug)/provider.asmx",
                headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"http://tempuri.org/Authenticate\"")],
                body: SmarterTrackFixture.envelope("Authenticate", inputs))
        }
        for query in ["?WSDL", ""] {
            let known = try await server.request("GET", "/integrations/smartertrack/\(slug)/provider.asmx\(query)")
            let unknown = try await server.request("GET", "/integrations/smartertrack/\(Self.unknown)/provider.asmx\(query)")
            #expect(known.status == 200 && Self.answer(known, slug: slug) == Self.answer(unknown, slug: Self.unknown))
        }
        let reference = Self.answer(try await call(Self.unknown, authPW: "wrong-password"), slug: Self.unknown)
        #expect(reference.hasPrefix("200 ") && reference.contains("Permission Denied"), "\(reference)")
        #expect(Self.answer(try await call(Self.unknown, authPW: nil), slug: Self.unknown) == reference)
        #expect(Self.answer(try await call(slug, authPW: "wrong-password"), slug: slug) == reference)
        #expect(Self.answer(try await call(slug, authPW: nil), slug: slug) == reference)
        try await fixture.listener.admin(
            "PUT", "/integrations/smartertrack",
            [
                "enabled": true, "password": .string(SmarterTrackFixture.authPW), "ip_allowlist": ["203.0.113.0/24"],
            ])
        #expect(
            Self.answer(try await call(slug, authPW: SmarterTrackFixture.authPW), slug: slug) == reference,
            "outside the allowlist")
        try await fixture.listener.admin("PUT", "/integrations/smartertrack", ["enabled": false])
        #expect(Self.answer(try await call(slug, authPW: SmarterTrackFixture.authPW), slug: slug) == reference, "integration off")
        let never = try await fixture.listener.admin.makeOrg("never")
        #expect(Self.answer(try await call(never, authPW: "wrong-password"), slug: never) == reference, "never configured")

        try await fixture.listener.admin("PUT", "/integrations/smartertrack", ["enabled": true, "password": "a-fresh-password"])
        let known = try await Self.fastest { _ = try await call(slug, authPW: "wrong-password") }
        let unknownOrg = try await Self.fastest { _ = try await call(Self.unknown, authPW: "wrong-password") }
        #expect(unknownOrg >= known * 0.5, "unknown org \(unknownOrg) s, known org \(known) s")
    }
}
