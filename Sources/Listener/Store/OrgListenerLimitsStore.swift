import CRM
import Postgres

/// An org's listener rate limits (`org_listener_limits`), set by the platform administrator.
public struct OrgListenerLimitsStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public func find(orgID: Int64) async throws -> OrgListenerLimits {
        try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT requests_per_minute, items_per_minute FROM org_listener_limits WHERE org_id = \(orgID)
                    """
                ).first
            else { return OrgListenerLimits() }
            return OrgListenerLimits(
                requestsPerMinute: try row.decode("requests_per_minute"), itemsPerMinute: try row.decode("items_per_minute"))
        }
    }

    /// Replaces the limits (nil: none); both nil removes the row.
    public func save(orgID: Int64, _ limits: OrgListenerLimits, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            if limits.requestsPerMinute == nil && limits.itemsPerMinute == nil {
                try connection.query("DELETE FROM org_listener_limits WHERE org_id = \(orgID)")
            } else {
                try connection.query(
                    """
                    INSERT INTO org_listener_limits (org_id, requests_per_minute, items_per_minute)
                    VALUES (\(orgID), \(limits.requestsPerMinute), \(limits.itemsPerMinute))
                    ON CONFLICT (org_id) DO UPDATE SET requests_per_minute = EXCLUDED.requests_per_minute,
                        items_per_minute = EXCLUDED.items_per_minute, updated_at = now()
                    """)
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener-limits"))
        }
    }
}
