import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/matching-settings`: which identity kinds deduplicate new customers and whether contacts and
/// leads are checked against each other (`MatchingSettings`). GET needs `read`, PUT `admin` (audited
/// `matching_settings.update`). A change applies to later requests; stored customers and history stay as they are.
public struct MatchingSettingsHandler: Sendable {
    public let context: AdminContext
    public let scope: OrgScope

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let settings = try await scope.withOrg(org.id) { connection in try MatchingSettingsStore.load(connection, orgID: org.id) }
        return AdminJSON.response(Self.representation(settings))
    }

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["deduplicate", "leads_and_contacts_together"])
        var settings = MatchingSettings.document
        if let value = reader.object["deduplicate"], !value.isNull {
            if let items = value.arrayValue {
                settings.deduplicate = []
                for (index, item) in items.enumerated() {
                    guard let kind = item.stringValue, MatchingSettings.kinds.contains(kind) else {
                        reader.errors.append(FieldError("deduplicate[\(index)]", "must be one of passport, email, phone"))
                        continue
                    }
                    settings.deduplicate.insert(kind)
                }
            } else {
                reader.errors.append(
                    FieldError("deduplicate", "must be an array of passport, email, phone, not \(value.typeName)"))
            }
        }
        if let together = reader.bool("leads_and_contacts_together") { settings.acrossSeries = together }
        try reader.finish()
        let saved = settings
        let audit = context.auditEntry(request, principal, "matching_settings.update", details: Self.representation(saved))
        try await scope.withOrg(org.id) { connection in
            try MatchingSettingsStore.save(connection, orgID: org.id, saved, audit: audit.target("matching_settings"))
        }
        return AdminJSON.response(Self.representation(saved))
    }

    static func representation(_ settings: MatchingSettings) -> JSONValue {
        [
            "deduplicate": .array(MatchingSettings.kinds.filter(settings.deduplicate.contains).map(JSONValue.string)),
            "leads_and_contacts_together": .bool(settings.acrossSeries),
        ]
    }

    public init(context: AdminContext, scope: OrgScope) {
        self.context = context
        self.scope = scope
    }
}
