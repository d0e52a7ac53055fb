/// A listener URL's settings (crm-listener-webhook.txt §2.1). The URL token is never part of this value.
public struct ListenerURL: Sendable, Equatable {
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
    /// Whether requests must carry a Standard Webhooks signature (the listener has a signing secret).
    public var signed = false
    /// The org's listener rate limits (platform admin, `PUT /admin/v1/orgs/{org}/listener-limits`), if any.
    public var orgLimits: OrgListenerLimits? = nil
    public let createdAt: String
    public var updatedAt: String

    public init(
        id: Int64, orgID: Int64, name: String, enabled: Bool = true, tokenPrefix: String = "", ipAllowlist: [String] = [],
        defaultTag: String? = nil, defaultContactChannel: String? = nil, defaultLeadChannel: String? = nil,
        welcomeEmailEnabled: Bool = false, welcomeEmailFrom: String? = nil, welcomeEmailSubject: String? = nil,
        welcomeEmailBody: String? = nil, welcomeSMSEnabled: Bool = false, welcomeSMSBody: String? = nil,
        rateLimitPerMinute: Int? = nil, createdAt: String = "", updatedAt: String = ""
    ) {
        self.id = id
        self.orgID = orgID
        self.name = name
        self.enabled = enabled
        self.tokenPrefix = tokenPrefix
        self.ipAllowlist = ipAllowlist
        self.defaultTag = defaultTag
        self.defaultContactChannel = defaultContactChannel
        self.defaultLeadChannel = defaultLeadChannel
        self.welcomeEmailEnabled = welcomeEmailEnabled
        self.welcomeEmailFrom = welcomeEmailFrom
        self.welcomeEmailSubject = welcomeEmailSubject
        self.welcomeEmailBody = welcomeEmailBody
        self.welcomeSMSEnabled = welcomeSMSEnabled
        self.welcomeSMSBody = welcomeSMSBody
        self.rateLimitPerMinute = rateLimitPerMinute
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The settable fields of a listener; nil leaves a field as it is (on update) or at its default (on create).
/// A double optional distinguishes "clear it" (`.some(nil)`) from "leave it" (`nil`).
public struct ListenerURLChanges: Sendable {
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
