import CRM
import HTTPServer

/// Who may reach an org's helpdesk web call: the org must exist and be active, the integration configured and
/// enabled, the client inside its IP allowlist when it has one (the socket's address, or the first untrusted hop of
/// X-Forwarded-For behind a trusted proxy), and the credentials right when a password is set.
public struct HelpdeskGate: Sendable {
    public enum Refusal: Error, Sendable, Equatable {
        case unknownOrg
        case notEnabled
        case orgSuspended
        case addressNotAllowed(String)
        case badCredentials
    }

    let store: IntegrationStore
    let verifier: PasswordVerifier

    public init(store: IntegrationStore, verifier: PasswordVerifier) {
        self.store = store
        self.verifier = verifier
    }

    /// The opened org, or why the call is refused.
    /// - Parameter credentials: the user name and password presented; nil when none were.
    func admit(orgSlug: String, kind: IntegrationStore.Kind, client: IPAddress?, credentials: (user: String, password: String)?)
        async throws -> Result<IntegrationStore.Opened, Refusal>
    {
        guard Self.isSlug(orgSlug), let opened = try await store.open(orgSlug: orgSlug, kind: kind) else { return .failure(.unknownOrg) }
        if let refusal = Self.refusal(opened, client: client) { return .failure(refusal) }
        guard let stored = opened.settings?.passwordHash else { return .success(opened) }
        guard let credentials, credentials.user == (opened.settings?.username ?? ""),
            await verifier.verify(credentials.password, against: stored, scope: "\(opened.orgID):\(kind.rawValue):\(credentials.user)")
        else { return .failure(.badCredentials) }
        return .success(opened)
    }

    /// The rules that do not depend on the credentials.
    static func refusal(_ opened: IntegrationStore.Opened, client: IPAddress?) -> Refusal? {
        guard let settings = opened.settings, settings.enabled else { return .notEnabled }
        guard opened.orgStatus == .active else { return .orgSuspended }
        guard CIDR.allowlist(settings.ipAllowlist, admits: client) else { return .addressNotAllowed(client?.description ?? "unknown") }
        return nil
    }

    /// Org slugs as the admin API creates them; anything else cannot be one, so it is not looked up.
    static func isSlug(_ text: String) -> Bool {
        (2...63).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
