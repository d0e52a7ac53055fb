import Postgres

/// The org's names that payloads refer to (users by email, groups, catalog entries, custom field definitions),
/// read inside the caller's transaction the first time they are needed and kept for the rest of it, so a batch of
/// a hundred actions reads each list once.
public final class OrgDirectory {
    let connection: PostgresConnection
    public let orgID: Int64
    private var usersByEmail: [String: Int64]?
    private var groupsByName: [String: (id: Int64, name: String)]?
    private var catalogs: [CatalogStore.Kind: [String: String]] = [:]
    private var customFields: [CustomFieldStore.Entity: [String: CustomFieldStore.Definition]] = [:]
    private var requiredFields: [(entity: String, name: String)]?
    /// The org's suppression hashes, once read (`Suppressions`), shared by the requests of one transaction.
    var suppressionHashes: Set<String>?
    private var ingestRulesLoaded = false
    private var matching: MatchingSettings?

    public init(connection: PostgresConnection, orgID: Int64) {
        self.connection = connection
        self.orgID = orgID
    }

    /// The id of the active user with this email (any case).
    /// The org's matching settings, read once (with the suppression hashes).
    public func matchingSettings() throws -> MatchingSettings {
        if !ingestRulesLoaded { try loadIngestRules() }
        return matching ?? .document
    }

    /// The org's suppression hashes, read once (with the matching settings); nil when there are too many to hold.
    func suppressions() throws -> Set<String>? {
        if !ingestRulesLoaded { try loadIngestRules() }
        return suppressionHashes
    }

    private func loadIngestRules() throws {
        knowIngestRules(try MatchingSettingsStore.loadForIngest(connection, orgID: orgID))
    }

    /// The org's ingest rules, read by the caller with another statement of this transaction.
    public func knowIngestRules(_ rules: IngestRules) {
        (matching, suppressionHashes) = (rules.matching, rules.suppressions)
        ingestRulesLoaded = true
    }

    public func activeUser(email: String) throws -> Int64? {
        if usersByEmail == nil {
            var map: [String: Int64] = [:]
            for row in try connection.query("SELECT lower(email) AS email, id FROM users WHERE org_id = \(orgID) AND active").rows
            {
                map[try row.decode("email")] = try row.decode("id")
            }
            usersByEmail = map
        }
        return usersByEmail?[email.lowercased()]
    }

    /// The group with this name (any case): its id and its name as the org spells it.
    public func group(named name: String) throws -> (id: Int64, name: String)? {
        if groupsByName == nil {
            var map: [String: (id: Int64, name: String)] = [:]
            for row in try connection.query("SELECT id, name FROM groups WHERE org_id = \(orgID)").rows {
                let groupName: String = try row.decode("name")
                map[groupName.lowercased()] = (try row.decode("id"), groupName)
            }
            groupsByName = map
        }
        return groupsByName?[name.lowercased()]
    }

    /// The catalog entry with this name (any case), spelled as the org spells it.
    public func catalogEntry(_ kind: CatalogStore.Kind, named name: String) throws -> String? {
        if catalogs[kind] == nil {
            var map: [String: String] = [:]
            for row in try connection.query(
                "SELECT name FROM catalog_items WHERE org_id = \(orgID) AND kind = \(kind.rawValue)"
            ).rows {
                let entry: String = try row.decode("name")
                map[entry.lowercased()] = entry
            }
            catalogs[kind] = map
        }
        return catalogs[kind]?[name.lowercased()]
    }

    /// Records the org's required custom fields when they were read with something else.
    public func knowRequiredCustomFields(_ fields: [(entity: String, name: String)]) { requiredFields = fields }

    /// The names of the entity's required custom fields.
    public func requiredCustomFields(_ entity: CustomFieldStore.Entity) throws -> [String] {
        if let requiredFields { return requiredFields.filter { $0.entity == entity.rawValue }.map(\.name) }
        return try customFields(entity).values.filter(\.required).map(\.name)
    }

    /// The custom field definitions of an entity, by lower-cased name.
    public func customFields(_ entity: CustomFieldStore.Entity) throws -> [String: CustomFieldStore.Definition] {
        if let cached = customFields[entity] { return cached }
        var map: [String: CustomFieldStore.Definition] = [:]
        for row in try connection.query(
            """
            SELECT id, entity, name, type, options, required FROM custom_fields WHERE org_id = \(orgID) AND entity = \(entity.rawValue)
            """
        ).rows {
            let definition = try CustomFieldStore.decode(row)
            map[definition.name.lowercased()] = definition
        }
        customFields[entity] = map
        return map
    }
}
