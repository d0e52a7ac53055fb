import CRM
import JSON

/// IExternalEventProvider: NotifyEventFired stores the event, named from the document's table, in the history of
/// the customer its arguments name (an email or portal user name among the `Args_` values).
enum EventProvider {
    /// Argument keys that carry the customer's email or portal user name, compared without case.
    static let emailKeys: Set<String> = [
        "email", "emailaddress", "emailfrom", "useremail", "customeremail", "requesteremail", "from",
    ]
    static let usernameKeys: Set<String> = ["username", "loginusername", "user", "customerusername"]

    static func notify(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        guard let text = context.inputs["EventType"], let eventType = Int(text) else {
            return ProviderResult(success: false, message: "Required Input Missing: EventType must be a numeric event id")
        }
        let arguments = context.inputs.prefixed("Args_")
        var lookups: [SmarterTrackStore.Lookup] = []
        for (key, value) in arguments where !value.isEmpty {
            if emailKeys.contains(key.lowercased()) { lookups.append(.email(value)) }
            if usernameKeys.contains(key.lowercased()) { lookups.append(.username(value)) }
        }
        // Any other argument that is an email address (e.g. "Args_requester") comes last.
        lookups += arguments.filter { !emailKeys.contains($0.name.lowercased()) && Identity.email($0.value) != nil }.map {
            .email($0.value)
        }
        let name = EventTypes.names[eventType] ?? "Unknown event \(eventType)"
        guard !lookups.isEmpty, let customer = try await context.store.customer(orgID: context.orgID, lookups) else {
            return ProviderResult(success: true, message: "Event Notification Successful (no CRM customer matched: not stored)")
        }
        let detail: JSONValue = [
            "source": "smartertrack", "event_type": .number(Double(eventType)), "event_name": .string(name),
            "arguments": .object(JSONObject(arguments.map { ($0.name, JSONValue.string($0.value)) })),
        ]
        try await context.store.recordEvent(orgID: context.orgID, customerID: customer.id, detail: detail)
        return ProviderResult(success: true, message: "Event Notification Successful")
    }
}
