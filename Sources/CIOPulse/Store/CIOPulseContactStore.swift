import CRM
import JSON
import Postgres

/// CIOPulse contacts (ciopulse-contacts-api.txt): customers of kind 'contact' keyed by `system_id`, inside the
/// transaction `CIOPulseStore.open` switched to the portal's org. Every statement still names the org.
///
/// A contact's email is a contact identity (series 'contact', kind 'email', lower-cased): the identities' primary
/// key is CIOPulse's "two contacts cannot share the same email address" and the listener's dedup key at once, so
/// it holds under concurrent requests. Its mobile is a phone identity when no other contact has claimed that
/// number (CIOPulse does not ask mobiles to be unique).
public enum CIOPulseContactStore {
    /// The columns `decode(_:)` reads, for a customers row aliased `alias`.
    static func columns(_ alias: String) -> String {
        "\(alias).id, \(alias).system_id, \(alias).name, \(alias).lastname, \(alias).title, "
            + "\(alias).emails -> 0 ->> 'value' AS email, \(alias).phones -> 0 ->> 'value' AS mobile"
    }

    /// The contact in the columns of `columns(_:)`; nil when its id is NULL (no such contact).
    static func decode(_ row: Row) throws -> StoredCIOPulseContact? {
        guard let id = try row.decode("id", as: Int64?.self) else { return nil }
        return StoredCIOPulseContact(customerID: id, contact: try decodeContact(row))
    }

    static func decodeContact(_ row: Row) throws -> CIOPulseContact {
        CIOPulseContact(
            systemID: try row.decode("system_id"), firstName: try row.decode("name"), lastName: try row.decode("lastname"),
            jobTitle: try row.decode("title"), email: try row.decode("email"), mobile: try row.decode("mobile"))
    }

    /// Every contact of the org that has a system id, ordered by it.
    public static func list(_ connection: PostgresConnection, orgID: Int64) throws -> [CIOPulseContact] {
        try connection.query(
            """
            SELECT \(unescaped: columns("c")) FROM customers AS c
            WHERE c.org_id = \(orgID) AND c.system_id IS NOT NULL AND c.kind = 'contact'
            ORDER BY c.system_id
            """
        ).rows.map(decodeContact)
    }

    // MARK: Writing

    /// Creates the contacts (their system ids all different) with their identities and "created" history lines in
    /// one statement, and commits with it when `commit`.
    /// - Throws: `CRMError.conflict` on `email` when another contact has an address (also one being created
    ///   concurrently, or another of `contacts`), on `system_id` when a concurrent request created a contact with
    ///   one of these system ids first. Nothing is created then.
    public static func create(_ connection: PostgresConnection, orgID: Int64, contacts: [CIOPulseContact]) throws {
        let query: Query = """
            WITH input AS MATERIALIZED (
                SELECT * FROM unnest(
                    \(contacts.map(\.systemID))::text[], \(contacts.map(\.firstName))::text[], \(contacts.map(\.lastName))::text[],
                    \(contacts.map(\.jobTitle))::text[], \(contacts.map { emailsJSON($0.email) })::text[],
                    \(contacts.map { phonesJSON($0.mobile) })::text[], \(contacts.map { $0.email.flatMap(Identity.email) })::text[],
                    \(contacts.map { $0.mobile.flatMap { Identity.phone($0) } })::text[],
                    \(contacts.map { historyDetail($0.systemID, fields: nil) })::text[]
                ) WITH ORDINALITY AS t(system_id, name, lastname, title, emails, phones, email_key, phone_key, detail, ordinal)
            ), inserted AS (
                INSERT INTO customers (org_id, kind, code, name, lastname, title, emails, phones, system_id)
                SELECT \(orgID), 'contact', crmhub_next_code('contact'), name, lastname, title, emails::jsonb, phones::jsonb,
                    system_id
                FROM input ORDER BY ordinal
                RETURNING id, system_id
            ), email AS (
                -- No ON CONFLICT: an address another contact holds (or is claiming) is a unique violation.
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), 'contact', 'email', input.email_key, inserted.id FROM input JOIN inserted USING (system_id)
                WHERE input.email_key IS NOT NULL
            ), phone AS (
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), 'contact', 'phone', input.phone_key, inserted.id FROM input JOIN inserted USING (system_id)
                WHERE input.phone_key IS NOT NULL
                ON CONFLICT DO NOTHING
            )
            INSERT INTO customer_history (org_id, customer_id, event, detail)
            SELECT \(orgID), inserted.id, 'created', input.detail::jsonb FROM input JOIN inserted USING (system_id)
            """
        do {
            try connection.query(query)
        } catch {
            throw error.sqlState == .uniqueViolation ? conflict(error) : error
        }
    }

    /// Applies `changes` to the contact with `customerID`, moves its email and phone identities with them, writes
    /// an "updated" history line naming `changedFields`.
    /// - Returns: the contact as stored now; nil when it no longer exists (deleted meanwhile: nothing was written).
    /// - Throws: `CRMError.conflict` on `email` when another contact has the new address.
    public static func update(
        _ connection: PostgresConnection, orgID: Int64, customerID: Int64, changes: CIOPulseContact.Changes,
        changedFields: [String]
    ) throws -> CIOPulseContact? {
        let setEmail = changes.email != nil, setMobile = changes.mobile != nil
        let newEmail = changes.email ?? nil, newMobile = changes.mobile ?? nil
        let email = newEmail.flatMap(Identity.email), phone = newMobile.flatMap { Identity.phone($0) }
        let query: Query = """
            WITH updated AS (
                UPDATE customers AS c SET
                    name = coalesce(\(changes.firstName ?? nil), c.name),
                    lastname = CASE WHEN \(changes.lastName != nil)::boolean THEN \(changes.lastName ?? nil) ELSE c.lastname END,
                    title = CASE WHEN \(changes.jobTitle != nil)::boolean THEN \(changes.jobTitle ?? nil) ELSE c.title END,
                    emails = CASE WHEN \(setEmail)::boolean THEN \(emailsJSON(newEmail))::jsonb ELSE c.emails END,
                    phones = CASE WHEN \(setMobile)::boolean THEN \(phonesJSON(newMobile))::jsonb ELSE c.phones END,
                    updated_at = now()
                WHERE c.org_id = \(orgID) AND c.id = \(customerID)
                RETURNING \(unescaped: columns("c"))
            ), old_emails AS (
                DELETE FROM customer_identities AS i
                WHERE \(setEmail)::boolean AND i.org_id = \(orgID) AND i.series = 'contact' AND i.kind = 'email'
                    AND i.customer_id IN (SELECT id FROM updated) AND i.value IS DISTINCT FROM \(email)::text
            ), new_email AS (
                -- No ON CONFLICT: an address another contact holds (or is claiming) is a unique violation.
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), 'contact', 'email', \(email), updated.id FROM updated
                WHERE \(email)::text IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM customer_identities AS i
                    WHERE i.org_id = \(orgID) AND i.series = 'contact' AND i.kind = 'email' AND i.value = \(email)
                        AND i.customer_id = updated.id)
            ), old_phones AS (
                DELETE FROM customer_identities AS i
                WHERE \(setMobile)::boolean AND i.org_id = \(orgID) AND i.series = 'contact' AND i.kind = 'phone'
                    AND i.customer_id IN (SELECT id FROM updated) AND i.value IS DISTINCT FROM \(phone)::text
            ), new_phone AS (
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), 'contact', 'phone', \(phone), updated.id FROM updated WHERE \(phone)::text IS NOT NULL
                ON CONFLICT DO NOTHING
            ), history AS (
                INSERT INTO customer_history (org_id, customer_id, event, detail)
                SELECT \(orgID), updated.id, 'updated', \(historyDetail(nil, fields: changedFields))::jsonb
                    || jsonb_build_object('system_id', updated.system_id)
                FROM updated
            )
            SELECT * FROM updated
            """
        let row: Row?
        do {
            row = try connection.query(query).first
        } catch {
            throw error.sqlState == .uniqueViolation ? conflict(error) : error
        }
        guard let row else { return nil }
        return try decodeContact(row)
    }

    public enum DeleteOutcome: Sendable, Equatable {
        case deleted
        /// No contact has this id (deleted meanwhile).
        case notFound
        /// The contact is the Support Lead or an Also Alert of these support groups (their system ids).
        case referenced([String])
    }

    /// Deletes the contact with its identities and history unless a support group names it.
    /// - Throws: `CRMError.conflict` on `contact` when a group named it concurrently (the support groups' foreign
    ///   keys, ON DELETE RESTRICT, decide).
    public static func delete(_ connection: PostgresConnection, orgID: Int64, customerID: Int64) throws -> DeleteOutcome {
        let row: Row
        do {
            row = try connection.query(
                """
                WITH blocking AS (
                    SELECT g.system_id FROM support_groups AS g
                    WHERE g.org_id = \(orgID) AND \(customerID) IN (g.support_lead_id, g.also_alert_1_id, g.also_alert_2_id,
                        g.also_alert_3_id, g.also_alert_4_id, g.also_alert_5_id, g.also_alert_6_id)
                ), deleted AS (
                    DELETE FROM customers AS c
                    WHERE c.org_id = \(orgID) AND c.id = \(customerID) AND NOT EXISTS (SELECT 1 FROM blocking)
                    RETURNING c.id
                ), identities AS (
                    DELETE FROM customer_identities WHERE org_id = \(orgID) AND customer_id IN (SELECT id FROM deleted)
                ), history AS (
                    DELETE FROM customer_history WHERE org_id = \(orgID) AND customer_id IN (SELECT id FROM deleted)
                )
                SELECT (SELECT count(*) FROM deleted) AS deleted, ARRAY(SELECT system_id FROM blocking ORDER BY system_id) AS blocking
                """
            ).rows[0]
        } catch {
            // A group named the contact after this statement's snapshot; the transaction is aborted, so throw.
            guard error.sqlState == .foreignKeyViolation, error.constraint?.hasPrefix("support_groups_") == true else {
                throw error
            }
            throw CRMError.conflict(FieldError("contact", "is the Support Lead or an Also Alert of a support group"))
        }
        let blocking = try row.decode("blocking", as: [String].self)
        if !blocking.isEmpty { return .referenced(blocking) }
        return try row.decode("deleted", as: Int.self) == 1 ? .deleted : .notFound
    }

    // MARK: Admin

    /// Gives the contact with `code` (PID-n) the system id that makes it a CIOPulse contact (a contact created by
    /// a listener, for one), with an "updated" history line and an audit entry.
    /// - Throws: `CRMError.notFound` without such a contact; `CRMError.conflict` on `system_id` when another
    ///   contact has it.
    public static func assignSystemID(
        scope: OrgScope, orgID: Int64, code: CustomerCode, systemID: String, audit: AuditEntry
    ) async throws {
        try await scope.withOrg(orgID) { connection in
            let row: Row?
            do {
                row = try connection.query(
                    """
                    WITH old AS (
                        SELECT id, system_id FROM customers WHERE org_id = \(orgID) AND kind = 'contact' AND code = \(code.number)
                    ), updated AS (
                        UPDATE customers AS c SET system_id = \(systemID), updated_at = now() FROM old
                        WHERE c.org_id = \(orgID) AND c.id = old.id AND old.system_id IS DISTINCT FROM \(systemID)
                        RETURNING c.id
                    ), history AS (
                        INSERT INTO customer_history (org_id, customer_id, event, detail)
                        SELECT \(orgID), updated.id, 'updated',
                            jsonb_build_object('source', 'admin', 'fields', jsonb_build_array('system_id'), 'system_id', \(systemID)::text)
                        FROM updated
                    )
                    SELECT old.id FROM old
                    """
                ).first
            } catch let error as PostgresError
                where error.sqlState == .uniqueViolation && error.constraint == "customers_system_id_key"
            {
                throw CRMError.conflict(FieldError("system_id", "another contact already has system id '\(systemID)'"))
            }
            guard row != nil else { throw CRMError.notFound("contact \(code)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("contact:\(code)"))
        }
    }

    // MARK: Helpers

    static func conflict(_ error: PostgresError) -> CRMError {
        if error.constraint == "customers_system_id_key" {
            return .conflict(FieldError("system_id", "a contact with this system id was created meanwhile"))
        }
        return .conflict(FieldError("email", "Another Contact already has this email address"))
    }

    static func emailsJSON(_ email: String?) -> String {
        CustomerStore.contactPointsJSON(
            email.map { [ContactPoint(type: "Work", value: $0, key: Identity.email($0) ?? $0)] } ?? [])!
    }

    static func phonesJSON(_ mobile: String?) -> String {
        CustomerStore.contactPointsJSON(mobile.map { [ContactPoint(type: "Mobile", value: $0, key: $0)] } ?? [])!
    }

    static func historyDetail(_ systemID: String?, fields: [String]?) -> String {
        var object: JSONObject = ["source": "ciopulse"]
        if let systemID { object["system_id"] = .string(systemID) }
        if let fields { object["fields"] = .array(fields.map(JSONValue.string)) }
        return JSONWriter.string(.object(object))
    }
}
