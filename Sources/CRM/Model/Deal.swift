/// The fields of a deal (the listener document's "order") one payload sets. `nil` means "not sent": an update
/// leaves that field as it is.
public struct DealFields: Sendable {
    public var name: String?
    /// A decimal as text ("50000", "12.5"), stored as numeric(20, 4).
    public var value: String?
    /// Catalog names, spelled as the org spells them.
    public var currency: String?
    public var stage: String?
    public var category: String?
    public var package: String?
    public var description: String?
    /// ISO 8601 in UTC ("2016-12-23T05:33:02.793Z").
    public var closeDate: String?
    /// `owner_opportunity.users`, as user ids.
    public var ownerUserIDs: [Int64]?
    /// `owner_opportunity.groups`, as group ids.
    public var ownerGroupIDs: [Int64]?
    /// The customer the deal is with (`dealWith`).
    public var customerID: Int64?
    /// {status, group, groupId, users, userIds}.
    public var permitJSON: String?
    /// {"Field name": value}; merged into the stored values on update.
    public var customFieldsJSON: String?

    public init() {}
}

/// A deal row as an action needs it after finding or writing it.
public struct DealRef: Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// The sender's own id for the deal, when it is not one of ours.
    public let reference: String?
    /// The customer the deal is with.
    public let customerID: Int64?

    public init(id: Int64, name: String, reference: String?, customerID: Int64?) {
        self.id = id
        self.name = name
        self.reference = reference
        self.customerID = customerID
    }
}
