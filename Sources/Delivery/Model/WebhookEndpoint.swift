/// Where an org's events are sent (`webhook_endpoints`, `/admin/v1/orgs/{org}/webhook-endpoints`).
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: Int64
    public let url: String
    public let description: String
    /// Empty: every type.
    public let eventTypes: [String]
    public let enabled: Bool
    public let sealedSecret: [UInt8]
    /// The secret before the last rotation, which still signs until `previousSecretExpiresAt`.
    public let sealedPreviousSecret: [UInt8]?
    public let previousSecretExpiresAt: String?
    /// Whether the previous secret still signs (computed by the database's clock).
    public let previousSecretActive: Bool
    public let consecutiveFailures: Int
    public let failingSince: String?
    public let disabledReason: String?
    public let createdAt: String
    public let updatedAt: String

    /// The event types the triggers of sql/0014 and 0017 queue (README "Outbound events").
    public static let eventTypes = [
        "contact.created", "contact.updated", "contact.duplicate_received",
        "lead.created", "lead.updated", "lead.duplicate_received",
        "company.created", "company.updated",
        "contact.merged", "lead.merged", "company.merged", "contact.erased", "lead.erased", "company.erased",
        "note.created", "deal.created", "ticket.created",
        "email.delivered", "email.failed", "sms.delivered", "sms.failed",
    ]

    /// The context an endpoint's secrets are sealed for: they open only in the same org's endpoints.
    public static func secretContext(orgID: Int64) -> String { "webhook-endpoint:\(orgID)" }
}

/// A create or update of an endpoint; nil leaves a field as it is.
public struct WebhookEndpointChanges: Sendable {
    public var url: String?
    public var description: String?
    public var eventTypes: [String]?
    public var enabled: Bool?

    public init(url: String? = nil, description: String? = nil, eventTypes: [String]? = nil, enabled: Bool? = nil) {
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.enabled = enabled
    }
}
