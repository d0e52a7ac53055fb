/// A listener URL's settings (crm-listener-webhook.txt §2.1). The URL token is never part of this value.
public struct Listener: Sendable, Equatable {
    public let id: Int64
    public let orgID: Int64
    public var name: String
    public var enabled: Bool
    /// The non-secret lookup part of the URL token, to recognise it.
    public let tokenPrefix: String
    public var ipAllowlist: [String]
    public var defaultTag: String?
    public var defaultContactChannel: String?
    public var defaultLeadChannel: String?
    public var welcomeEmailEnabled: Bool
    public var welcomeEmailFrom: String?
    public var welcomeEmailSubject: String?
    public var welcomeEmailBody: String?
    public var welcomeSMSEnabled: Bool
    public var welcomeSMSBody: String?
    public var rateLimitPerMinute: Int?
    public let createdAt: String
    public var updatedAt: String
}

/// The settable fields of a listener; nil leaves a field as it is (on update) or at its default (on create).
/// A double optional distinguishes "clear it" (`.some(nil)`) from "leave it" (`nil`).
public struct ListenerChanges: Sendable {
    public var name: String?
    public var enabled: Bool?
    public var ipAllowlist: [String]?
    public var defaultTag: String??
    public var defaultContactChannel: String??
    public var defaultLeadChannel: String??
    public var welcomeEmailEnabled: Bool?
    public var welcomeEmailFrom: String??
    public var welcomeEmailSubject: String??
    public var welcomeEmailBody: String??
    public var welcomeSMSEnabled: Bool?
    public var welcomeSMSBody: String??
    public var rateLimitPerMinute: Int??

    public init() {}
}
