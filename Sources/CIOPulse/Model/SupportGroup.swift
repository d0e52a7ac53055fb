/// A CIOPulse support group (ciopulse-contacts-api.txt, the `support_groups` example): a team with a Support Lead
/// and up to six contacts to "also alert". A contact named here cannot be deleted.
public struct SupportGroup: Sendable, Equatable {
    /// The places a group names a contact, with the field names the admin API uses for them.
    public enum Slot: Int, Sendable, CaseIterable {
        case supportLead = 0
        case alsoAlert1, alsoAlert2, alsoAlert3, alsoAlert4, alsoAlert5, alsoAlert6

        /// "support_lead_system_id", "also_alert_1_system_id", …
        public var field: String { self == .supportLead ? "support_lead_system_id" : "also_alert_\(rawValue)_system_id" }
        /// The column holding the contact's customer id.
        var column: String { self == .supportLead ? "support_lead_id" : "also_alert_\(rawValue)_id" }
    }

    /// A contact a group names: its system id and its (first) email address.
    public struct Member: Sendable, Equatable {
        public let systemID: String?
        public let email: String?

        public init(systemID: String?, email: String?) {
            self.systemID = systemID
            self.email = email
        }
    }

    public let id: Int64
    public let systemID: String
    public let name: String
    public let code: String?
    public let departmentCode: String?
    public let departmentSystemID: String?
    /// By `Slot.rawValue`: the Support Lead, then Also Alert 1–6; nil where the group names nobody.
    public let members: [Member?]
    public let active: Bool
    public let ccsOnly: Bool
    public let excludeFromNPS: Bool
    public let createdAt: String
    public let updatedAt: String

    public func member(_ slot: Slot) -> Member? { members[slot.rawValue] }

    /// What a create or update sets: `nil` leaves a field as it is (a create gives it its default), `.some(nil)`
    /// clears it. Contacts are named by their system ids.
    public struct Changes: Sendable, Equatable {
        public var systemID: String?
        public var name: String?
        public var code: String??
        public var departmentCode: String??
        public var departmentSystemID: String??
        /// By slot; a slot without an entry is left as it is.
        public var contacts: [Slot: String?] = [:]
        public var active: Bool?
        public var ccsOnly: Bool?
        public var excludeFromNPS: Bool?

        public init() {}
    }
}
