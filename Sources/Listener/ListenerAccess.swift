import CRM
import HTTPServer

/// Whether a request may reach a listener (crm-listener-webhook.txt §2.1: "add a valid IP"): the listener must be
/// enabled, its org active, and the client inside the allowlist when there is one. The client address is the
/// socket's, or the first untrusted hop of X-Forwarded-For when the peer is a trusted proxy (HTTP layer).
public enum ListenerAccess {
    public enum Refusal: Sendable, Equatable {
        case disabled
        case orgSuspended
        case addressNotAllowed(String)
    }

    public static func check(_ listener: ListenerURL, orgStatus: Org.Status, client: IPAddress?) -> Refusal? {
        guard listener.enabled else { return .disabled }
        guard orgStatus == .active else { return .orgSuspended }
        guard CIDR.allowlist(listener.ipAllowlist, admits: client) else {
            return .addressNotAllowed(client?.description ?? "unknown")
        }
        return nil
    }
}
