import CRM
import HTTPServer

/// Who may reach an org's helpdesk web call: the org must exist and be active, the integration configured and
/// enabled, the client inside its IP allowlist when it has one (the socket's address, or the first untrusted hop of
/// X-Forwarded-For behind a trusted proxy), and the credentials right when a password is set.
///
/// An unauthenticated caller learns nothing about which orgs exist (issue 18): an unknown slug, an integration that
/// is off or never configured, an address outside the allowlist and wrong or missing credentials all get the same
/// answer, and a caller who presents credentials pays exactly one password derivation whatever the slug (a decoy
/// one when there is no stored hash to check), so the time taken tells nothing either. Only a caller who got in is
/// told that the org is suspended.
public struct HelpdeskGate: Sendable {
    public enum Refusal: Error, Sendable, Equatable {
        /// Unknown org, integration off, address not allowed, or credentials missing or wrong: one answer for all.
        case unauthenticated
        /// The caller got in, but the org is suspended.
        case orgSuspended
    }

    let store: IntegrationStore
    let verifier: PasswordVerifier

    public init(store: IntegrationStore, verifier: PasswordVerifier) {
        self.store = store
        self.verifier = verifier
    }

    /// Spent when credentials are presented and there is no stored hash to check them against.
    static let decoyHash = PasswordHash.make(RandomText.base64url(byteCount: 16))

    /// The opened org, or why the call is refused.
    /// - Parameter credentials: the user name and password presented; nil when none were.
    func admit(
        orgSlug: String, kind: IntegrationStore.Kind, client: IPAddress?, credentials: (user: String, password: String)?
    )
        async throws -> Result<IntegrationStore.Opened, Refusal>
    {
        let opened = Self.isSlug(orgSlug) ? try await store.open(orgSlug: orgSlug, kind: kind) : nil
        let settings = opened?.settings
        var credentialsRight = false
        if let credentials {
            if let opened, let stored = settings?.passwordHash, credentials.user == (settings?.username ?? "") {
                credentialsRight = await verifier.verify(
                    credentials.password, against: stored, scope: "\(opened.orgID):\(kind.rawValue):\(credentials.user)")
                if credentialsRight {
                    PasswordHash.upgrade(credentials.password, from: stored) { [store] fresh in
                        try await store.rehash(orgID: opened.orgID, kind: kind, from: stored, to: fresh)
                    }
                }
            } else {
                _ = await verifier.verify(credentials.password, against: Self.decoyHash, scope: "decoy:\(kind.rawValue)")
            }
        }
        guard let opened, let settings, settings.enabled, CIDR.allowlist(settings.ipAllowlist, admits: client),
            settings.passwordHash == nil || credentialsRight
        else { return .failure(.unauthenticated) }
        guard opened.orgStatus == .active else { return .failure(.orgSuspended) }
        return .success(opened)
    }

    /// Org slugs as the admin API creates them; anything else cannot be one, so it is not looked up.
    static func isSlug(_ text: String) -> Bool {
        (2...63).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
