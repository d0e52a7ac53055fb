import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/listener-limits`: how many requests and actions the org's listeners accept per minute.
/// Anyone who may read the org sees them; only the platform administrator changes them.
public struct OrgListenerLimitsHandler: Sendable {
    public let context: AdminContext
    public let store: OrgListenerLimitsStore

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        return AdminJSON.response(Self.representation(try await store.find(orgID: org.id)))
    }

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        try principal.requirePlatform()
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["requests_per_minute", "items_per_minute"])
        let requests = Self.limit(&reader, "requests_per_minute", maximum: 10_000_000)
        let items = Self.limit(&reader, "items_per_minute", maximum: 100_000_000)
        try reader.finish()
        let limits = OrgListenerLimits(requestsPerMinute: requests, itemsPerMinute: items)
        try await store.save(
            orgID: org.id, limits,
            audit: context.auditEntry(request, principal, "org.listener_limits", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(limits))
    }

    static func limit(_ reader: inout FieldReader, _ key: String, maximum: Int) -> Int? {
        guard let value = reader.object[key], !value.isNull else { return nil }
        guard let number = value.intValue, (1...maximum).contains(number) else {
            reader.errors.append(FieldError(key, "must be a whole number from 1 to \(maximum), or null for no limit"))
            return nil
        }
        return number
    }

    static func representation(_ limits: OrgListenerLimits) -> JSONValue {
        [
            "requests_per_minute": limits.requestsPerMinute.map { .number(Double($0)) } ?? .null,
            "items_per_minute": limits.itemsPerMinute.map { .number(Double($0)) } ?? .null,
            "max_items_per_request": .number(Double(OrgListenerLimits.maxItemsPerRequest)),
            "max_request_bytes": .number(Double(ListenerRoutes.bodyLimit)),
        ]
    }

    public init(context: AdminContext, store: OrgListenerLimitsStore) {
        self.context = context
        self.store = store
    }
}
