import CRM
import HTTPServer
import Testing

@testable import Listener

@Suite("who may reach a listener")
struct ListenerAccessTests {
    static let open = ListenerURL(id: 1, orgID: 1, name: "L")
    static let guarded = ListenerURL(id: 2, orgID: 1, name: "G", ipAllowlist: ["203.0.113.0/24", "2001:db8::/32"])

    @Test("an empty allowlist admits any address; an allowlist admits only its ranges, IPv4 and IPv6")
    func allowlist() {
        #expect(ListenerAccess.check(Self.open, orgStatus: .active, client: IPAddress("198.51.100.1")) == nil)
        #expect(ListenerAccess.check(Self.guarded, orgStatus: .active, client: IPAddress("203.0.113.77")) == nil)
        #expect(ListenerAccess.check(Self.guarded, orgStatus: .active, client: IPAddress("2001:db8::5")) == nil)
        #expect(ListenerAccess.check(Self.guarded, orgStatus: .active, client: IPAddress("::ffff:203.0.113.9")) == nil)
        #expect(
            ListenerAccess.check(Self.guarded, orgStatus: .active, client: IPAddress("198.51.100.1"))
                == .addressNotAllowed("198.51.100.1"))
        #expect(ListenerAccess.check(Self.guarded, orgStatus: .active, client: nil) == .addressNotAllowed("unknown"))
    }

    @Test("a disabled listener or a suspended org refuses before the address is looked at")
    func refusals() {
        var disabled = Self.guarded
        disabled.enabled = false
        #expect(ListenerAccess.check(disabled, orgStatus: .active, client: IPAddress("203.0.113.1")) == .disabled)
        #expect(ListenerAccess.check(Self.open, orgStatus: .suspended, client: IPAddress("203.0.113.1")) == .orgSuspended)
    }
}
