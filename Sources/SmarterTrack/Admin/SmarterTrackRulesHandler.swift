import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/integrations/smartertrack/rules`: the rules document of GetCustomFieldOptions, StartTicket
/// and StartChat (statuses, unknown customers, custom-field overrides, which CRM fields go out as `cf_`).
public struct SmarterTrackRulesHandler: Sendable {
    public let context: AdminContext
    public let store: SmarterTrackStore

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let object = try AdminJSON.object(request)
        let rules = try SmarterTrackRules.parse(.object(object)).get()
        try await store.saveRules(
            orgID: org.id, rules, audit: context.auditEntry(request, principal, "integration.smartertrack_rules"))
        return AdminJSON.response(rules.json)
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        return AdminJSON.response((try await store.rules(orgID: org.id) ?? SmarterTrackRules()).json)
    }

    public init(context: AdminContext, store: SmarterTrackStore) {
        self.context = context
        self.store = store
    }
}
