import Testing

@testable import HTTPServer

@Suite("Router")
struct RouterTests {
    static func router() -> Router {
        var router = Router()
        router.addInline(.get, "/healthz") { _ in .text("ok") }
        router.addInline(.get, "/orgs/{org}") { _ in .text("") }
        router.addInline(.put, "/orgs/{org}") { _ in .text("") }
        router.addInline(.get, "/orgs/{org}/users/{user}") { _ in .text("") }
        router.addInline(.get, "/orgs/special") { _ in .text("") }
        return router
    }

    @Test("static route wins and is found by method")
    func staticRoute() {
        guard case .found(let route, let parameters) = Self.router().match(method: .get, path: "/orgs/special") else {
            Issue.record("not found")
            return
        }
        #expect(route.pattern == "/orgs/special" && parameters.isEmpty)
    }

    @Test("parameters are bound and percent-decoded")
    func parameters() {
        guard case .found(let route, let parameters) = Self.router().match(method: .get, path: "/orgs/a%20b/users/7") else {
            Issue.record("not found")
            return
        }
        #expect(route.pattern == "/orgs/{org}/users/{user}")
        #expect(parameters == ["org": "a b", "user": "7"])
    }

    @Test("HEAD falls back to GET")
    func head() {
        guard case .found(let route, _) = Self.router().match(method: .head, path: "/healthz") else {
            Issue.record("not found")
            return
        }
        #expect(route.method == .get)
    }

    @Test("405 lists the allowed methods, 404 when no pattern fits")
    func notAllowed() {
        guard case .methodNotAllowed(let allowed) = Self.router().match(method: .delete, path: "/orgs/x") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.get, .head, .put])
        guard case .notFound = Self.router().match(method: .get, path: "/orgs/x/other") else {
            Issue.record("expected 404")
            return
        }
        guard case .notFound = Self.router().match(method: .get, path: "/orgs//users/1") else {
            Issue.record("empty parameter must not match")
            return
        }
    }
}

@Suite("IP addresses and CIDR ranges")
struct CIDRTests {
    @Test(
        "IPv4 and IPv6 ranges",
        arguments: [
            ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.1.7", "192.168.1.7", true), ("192.168.1.7", "192.168.1.8", false),
            ("0.0.0.0/0", "8.8.8.8", true), ("2001:db8::/32", "2001:db8:1::5", true),
            ("2001:db8::/32", "2001:db9::1", false), ("::1", "::1", true),
            ("10.0.0.0/8", "::ffff:10.1.1.1", true), ("::/0", "10.0.0.1", false),
        ])
    func contains(range: String, address: String, expected: Bool) throws {
        let cidr = try #require(CIDR(range))
        let ip = try #require(IPAddress(address))
        #expect(cidr.contains(ip) == expected)
    }

    @Test("invalid ranges are rejected", arguments: ["10.0.0.0/33", "300.1.1.1", "abc", "10.0.0.0/", "::1/129", "1.2.3.4/-1"])
    func invalid(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test("addresses print canonically")
    func printing() {
        #expect(IPAddress("2001:0db8:0000::0001")?.description == "2001:db8::1")
        #expect(IPAddress("::ffff:1.2.3.4")?.description == "1.2.3.4")
    }

    @Test(
        "bind addresses",
        arguments: [
            ("127.0.0.1:8080", "127.0.0.1:8080"), ("[::1]:8443", "[::1]:8443"), (":9000", "0.0.0.0:9000"),
            ("localhost:80", "127.0.0.1:80"),
        ])
    func bindAddress(text: String, expected: String) {
        #expect(BindAddress(text)?.description == expected)
    }

    @Test("bad bind addresses", arguments: ["8080", "host:", "1.2.3.4:70000", "example.com:80", "[::1:80"])
    func badBindAddress(text: String) {
        #expect(BindAddress(text) == nil)
    }

    @Test("an allowlist lets everyone in when empty; otherwise only addresses in its ranges, never an unknown one")
    func allowlist() throws {
        let inside = try #require(IPAddress("203.0.113.9")), outside = try #require(IPAddress("198.51.100.1"))
        #expect(CIDR.allowlist([], admits: nil) && CIDR.allowlist([], admits: outside))
        #expect(CIDR.allowlist(["10.0.0.0/8", "203.0.113.0/24"], admits: inside))
        #expect(!CIDR.allowlist(["203.0.113.0/24"], admits: outside))
        #expect(!CIDR.allowlist(["203.0.113.0/24"], admits: nil))
    }
}
