import CRM
import Postgres

/// CIOPulse support groups (ciopulse-contacts-api.txt): managed through the admin API, read by
/// `GET /api/v5/support_groups`. Groups name contacts by customer id (foreign keys, ON DELETE RESTRICT: a named
/// contact cannot be deleted); callers name them by system id.
public struct SupportGroupStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// Each member is a primary-key probe (LATERAL … LIMIT 1), whatever a generic plan guesses; members come as
    /// (system id, first email) column pairs in `SupportGroup.Slot` order.
    static let select: String = {
        let slots = SupportGroup.Slot.allCases
        let memberColumns = slots.map {
            "m\($0.rawValue).system_id AS m\($0.rawValue)_system_id, m\($0.rawValue).emails -> 0 ->> 'value' AS m\($0.rawValue)_email"
        }
        let memberJoins = slots.map { slot in
            """
                LEFT JOIN LATERAL (
                    SELECT system_id, emails FROM customers WHERE org_id = g.org_id AND id = g.\(slot.column) LIMIT 1
                ) AS m\(slot.rawValue) ON true
            """
        }
        return """
            SELECT g.id, g.system_id, g.name, g.code, g.department_code, g.department_system_id,
                \(memberColumns.joined(separator: ", ")), g.active, g.ccs_only, g.exclude_from_nps,
                to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
                to_char(g.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
            FROM support_groups AS g
            \(memberJoins.joined(separator: "\n"))
            """
    }()

    /// The names `select` gives each slot's member columns, by `Slot.rawValue`.
    static let memberColumnNames = SupportGroup.Slot.allCases.map {
        (systemID: "m\($0.rawValue)_system_id", email: "m\($0.rawValue)_email")
    }

    static func decode(_ row: Row) throws -> SupportGroup {
        var members: [SupportGroup.Member?] = []
        for slot in SupportGroup.Slot.allCases {
            let names = memberColumnNames[slot.rawValue]
            let systemID = try row.decode(names.systemID, as: String?.self)
            let email = try row.decode(names.email, as: String?.self)
            members.append(systemID == nil && email == nil ? nil : SupportGroup.Member(systemID: systemID, email: email))
        }
        return SupportGroup(
            id: try row.decode("id"), systemID: try row.decode("system_id"), name: try row.decode("name"),
            code: try row.decode("code"),
            departmentCode: try row.decode("department_code"), departmentSystemID: try row.decode("department_system_id"),
            members: members, active: try row.decode("active"), ccsOnly: try row.decode("ccs_only"),
            excludeFromNPS: try row.decode("exclude_from_nps"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }

    /// Every group of the org, oldest first, and commits (the CIOPulse read: one statement after `open`).
    public static func list(_ connection: PostgresConnection, orgID: Int64) throws -> [SupportGroup] {
        try connection.query("\(unescaped: select) WHERE g.org_id = \(orgID) ORDER BY g.id").rows.map(decode)
    }

    static func find(_ connection: PostgresConnection, orgID: Int64, id: Int64) throws -> SupportGroup? {
        try connection.query("\(unescaped: select) WHERE g.org_id = \(orgID) AND g.id = \(id)").first.map(decode)
    }

    // MARK: Admin

    public func find(orgID: Int64, systemID: String) async throws -> SupportGroup? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("\(unescaped: Self.select) WHERE g.org_id = \(orgID) AND g.system_id = \(systemID)").first.map(
                Self.decode)
        }
    }

    /// A page in creation order after `cursor` (a group's internal id; 0 for the first page).
    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [SupportGroup] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                \(unescaped: Self.select) WHERE g.org_id = \(orgID) AND g.id > \(cursor) ORDER BY g.id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    /// - Throws: `CRMError.invalid` naming each contact field whose system id no contact has; `CRMError.conflict`
    ///   on `system_id` when another group has it.
    public func create(orgID: Int64, changes: SupportGroup.Changes, audit: AuditEntry) async throws -> SupportGroup {
        try await scope.withOrg(orgID) { connection in
            let (_, ids) = try Self.resolve(connection, orgID: orgID, changes.contacts)
            let id: Int64 = try Self.write(changes) {
                try connection.query(
                    """
                    WITH v AS (SELECT \(ids)::bigint[] AS ids)
                    INSERT INTO support_groups (org_id, system_id, name, code, department_code, department_system_id,
                        support_lead_id, also_alert_1_id, also_alert_2_id, also_alert_3_id, also_alert_4_id, also_alert_5_id,
                        also_alert_6_id, active, ccs_only, exclude_from_nps)
                    SELECT \(orgID), \(changes.systemID), \(changes.name), \(changes.code ?? nil), \(changes.departmentCode ?? nil),
                        \(changes.departmentSystemID ?? nil), v.ids[1], v.ids[2], v.ids[3], v.ids[4], v.ids[5], v.ids[6], v.ids[7],
                        coalesce(\(changes.active)::boolean, true), coalesce(\(changes.ccsOnly)::boolean, false),
                        coalesce(\(changes.excludeFromNPS)::boolean, false)
                    FROM v
                    RETURNING id
                    """
                ).rows[0].decode("id")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("support_group:\(changes.systemID ?? "")"))
            return try Self.find(connection, orgID: orgID, id: id)!
        }
    }

    /// Sets what `changes` names on the group with `systemID`.
    /// - Throws: `CRMError.notFound`, or as `create`.
    public func update(
        orgID: Int64, systemID: String, changes: SupportGroup.Changes, audit: AuditEntry
    ) async throws -> SupportGroup {
        try await scope.withOrg(orgID) { connection in
            let (sets, ids) = try Self.resolve(connection, orgID: orgID, changes.contacts)
            let id: Int64? = try Self.write(changes) {
                try connection.query(
                    """
                    WITH v AS (SELECT \(sets)::boolean[] AS sets, \(ids)::bigint[] AS ids)
                    UPDATE support_groups AS g SET
                        system_id = coalesce(\(changes.systemID), g.system_id), name = coalesce(\(changes.name), g.name),
                        code = CASE WHEN \(changes.code != nil)::boolean THEN \(changes.code ?? nil) ELSE g.code END,
                        department_code = CASE WHEN \(changes.departmentCode != nil)::boolean
                            THEN \(changes.departmentCode ?? nil) ELSE g.department_code END,
                        department_system_id = CASE WHEN \(changes.departmentSystemID != nil)::boolean
                            THEN \(changes.departmentSystemID ?? nil) ELSE g.department_system_id END,
                        support_lead_id = CASE WHEN v.sets[1] THEN v.ids[1] ELSE g.support_lead_id END,
                        also_alert_1_id = CASE WHEN v.sets[2] THEN v.ids[2] ELSE g.also_alert_1_id END,
                        also_alert_2_id = CASE WHEN v.sets[3] THEN v.ids[3] ELSE g.also_alert_2_id END,
                        also_alert_3_id = CASE WHEN v.sets[4] THEN v.ids[4] ELSE g.also_alert_3_id END,
                        also_alert_4_id = CASE WHEN v.sets[5] THEN v.ids[5] ELSE g.also_alert_4_id END,
                        also_alert_5_id = CASE WHEN v.sets[6] THEN v.ids[6] ELSE g.also_alert_5_id END,
                        also_alert_6_id = CASE WHEN v.sets[7] THEN v.ids[7] ELSE g.also_alert_6_id END,
                        active = coalesce(\(changes.active)::boolean, g.active),
                        ccs_only = coalesce(\(changes.ccsOnly)::boolean, g.ccs_only),
                        exclude_from_nps = coalesce(\(changes.excludeFromNPS)::boolean, g.exclude_from_nps),
                        updated_at = now()
                    FROM v
                    WHERE g.org_id = \(orgID) AND g.system_id = \(systemID)
                    RETURNING g.id
                    """
                ).first?.decode("id")
            }
            guard let id else { throw CRMError.notFound("support group '\(systemID)'") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("support_group:\(changes.systemID ?? systemID)"))
            return try Self.find(connection, orgID: orgID, id: id)!
        }
    }

    public func delete(orgID: Int64, systemID: String, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard
                try connection.query(
                    """
                    DELETE FROM support_groups WHERE org_id = \(orgID) AND system_id = \(systemID)
                    """
                ).affectedRows == 1
            else { throw CRMError.notFound("support group '\(systemID)'") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("support_group:\(systemID)"))
        }
    }

    /// The customer id of every contact `contacts` names, by slot (`sets[i]`: whether slot i is set at all).
    /// - Throws: `CRMError.invalid` naming each slot whose system id no contact of the org has.
    static func resolve(
        _ connection: PostgresConnection, orgID: Int64, _ contacts: [SupportGroup.Slot: String?]
    ) throws -> (sets: [Bool], ids: [Int64?]) {
        let named = Array(Set(contacts.values.compactMap { $0 })).sorted()
        var found: [String: Int64] = [:]
        if !named.isEmpty {
            for row in try connection.query(
                """
                SELECT system_id, id FROM customers
                WHERE org_id = \(orgID) AND system_id = ANY(\(named)::text[]) AND kind = 'contact'
                """
            ).rows {
                let (systemID, id) = try row.decode((String, Int64).self)
                found[systemID] = id
            }
        }
        var sets: [Bool] = [], ids: [Int64?] = [], errors: [FieldError] = []
        for slot in SupportGroup.Slot.allCases {
            sets.append(contacts[slot] != nil)
            guard let systemID = contacts[slot] ?? nil else {
                ids.append(nil)
                continue
            }
            if let id = found[systemID] {
                ids.append(id)
            } else {
                ids.append(nil)
                errors.append(FieldError(slot.field, "no contact has system id '\(systemID)'"))
            }
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
        return (sets, ids)
    }

    /// Runs an INSERT or UPDATE of a group, mapping its constraint violations to the fields they concern.
    static func write<T>(_ changes: SupportGroup.Changes, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw CRMError.conflict(FieldError("system_id", "another support group has system id '\(changes.systemID ?? "")'"))
        } catch let error as PostgresError where error.sqlState == .foreignKeyViolation {
            throw CRMError.invalid([FieldError("contacts", "a contact the group names was deleted meanwhile; try again")])
        }
    }
}
