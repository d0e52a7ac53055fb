import CRM
import HTTPServer

/// Who may use a portal once its credentials matched: callers inside its IP allowlist (when it has one; "If you
/// have setup IP address security in the CIOPulse Portal, the IP address of the server making the API call must be
/// included in your list of valid IP addresses"), while its org is active.
enum CIOPulseAccess {
    /// Portal codes are 1–64 letters, digits, '-' or '_' (as the admin API stores them): anything else cannot match.
    static func isPortalCode(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { RandomText.isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F }
    }

    static func refusal(_ opened: CIOPulseStore.Opened, client: IPAddress?) -> CIOPulseError? {
        guard CIDR.allowlist(opened.ipAllowlist, admits: client) else { return .notAllowed(client?.description ?? "unknown") }
        return opened.orgStatus == .active ? nil : .suspended
    }
}
