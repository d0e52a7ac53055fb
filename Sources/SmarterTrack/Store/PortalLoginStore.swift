import CRM
import Postgres

/// Customer-portal logins of CRM contacts (user name, PBKDF2 password hash, status), set by the admin API and
/// checked by the SmarterTrack login provider.
public struct PortalLoginStore: Sendable {
    public struct Saved: Sendable, Equatable {
        public let code: CustomerCode
        public let username: String
        public let status: String
        public let updatedAt: String
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// Replaces a portal login's password hash `old` by `new` (the same password, today's iterations), unless another
    /// password was saved meanwhile. - Returns: whether it was.
    @discardableResult
    public func rehash(orgID: Int64, customerID: Int64, from old: String, to new: String) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                UPDATE customer_portal_logins SET password_hash = \(new)
                WHERE org_id = \(orgID) AND customer_id = \(customerID) AND password_hash = \(old)
                """
            ).affectedRows == 1
        }
    }

    /// Creates or replaces the login of contact `code`. `passwordHash` nil keeps the stored one (a new login needs one).
    /// - Throws: `notFound` for no such contact, `invalid` for a new login without a password, `conflict` for a taken name.
    public func save(
        orgID: Int64, code: CustomerCode, username: String, passwordHash: String?, status: String, audit: AuditEntry
    )
        async throws -> Saved
    {
        try await scope.withOrg(orgID) { connection in
            guard
                let customer = try connection.query(
                    """
                    SELECT id FROM customers WHERE org_id = \(orgID) AND kind = 'contact' AND code = \(code.number)
                    """
                ).first?.decode("id", as: Int64.self)
            else { throw CRMError.notFound("contact \(code)") }
            let row: Row?
            do {
                row = try connection.query(
                    """
                    INSERT INTO customer_portal_logins (org_id, customer_id, username, password_hash, status)
                    SELECT \(orgID)::bigint, \(customer)::bigint, \(username)::text, hash, \(status)::text FROM (
                        SELECT coalesce(\(passwordHash)::text, (
                            SELECT password_hash FROM customer_portal_logins WHERE org_id = \(orgID) AND customer_id = \(customer)
                        )) AS hash
                    ) AS h WHERE hash IS NOT NULL
                    ON CONFLICT (org_id, customer_id) DO UPDATE SET
                        username = EXCLUDED.username, status = EXCLUDED.status, password_hash = EXCLUDED.password_hash,
                        updated_at = now()
                    RETURNING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
                    """
                ).first
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("username", "another contact already has the portal user name '\(username)'"))
            }
            guard let row else { throw CRMError.invalid([FieldError("password", "is required for a new portal login")]) }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("contact:\(code)"))
            return Saved(code: code, username: username, status: status, updatedAt: try row.decode("updated_at"))
        }
    }

    public func find(orgID: Int64, code: CustomerCode) async throws -> Saved? {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT l.username, l.status, to_char(l.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
                FROM customers AS c JOIN customer_portal_logins AS l ON l.org_id = c.org_id AND l.customer_id = c.id
                WHERE c.org_id = \(orgID) AND c.kind = 'contact' AND c.code = \(code.number)
                """
            ).first.map {
                Saved(
                    code: code, username: try $0.decode("username"), status: try $0.decode("status"),
                    updatedAt: try $0.decode("updated_at"))
            }
        }
    }

    /// Removes the login; false when the contact had none.
    public func delete(orgID: Int64, code: CustomerCode, audit: AuditEntry) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            let deleted =
                try connection.query(
                    """
                    DELETE FROM customer_portal_logins AS l USING customers AS c
                    WHERE l.org_id = \(orgID) AND c.org_id = l.org_id AND c.id = l.customer_id AND c.kind = 'contact' AND c.code = \(code.number)
                    RETURNING l.customer_id
                    """
                ).first != nil
            if deleted { try AuditStore.insert(connection, orgID: orgID, entry: audit.target("contact:\(code)")) }
            return deleted
        }
    }
}
