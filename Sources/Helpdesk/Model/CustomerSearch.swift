import CRM

/// What a helpdesk's account search asks for (spicecsm-web-call-integrations.txt, "Account Search/Load"). Every
/// criterion present must hold; absent ones (nil or empty) are not part of the query at all.
public struct CustomerSearch: Sendable, Equatable {
    /// The customer code the helpdesk uses as its account name ("Userkey").
    public var code: CustomerCode?
    /// Case-insensitive prefixes of the first and last name.
    public var firstName: String?
    public var lastName: String?
    /// Case-insensitive equality with a field of any of the customer's addresses.
    public var street: String?
    public var street2: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    /// A country code or name.
    public var country: String?
    /// Normalised phones and emails (Identity.phone / Identity.email): each must belong to the customer.
    public var phones: [String] = []
    public var emails: [String] = []
    /// The account status ("Active" unless the customer's "Status" custom field says otherwise).
    public var status: String?
    /// The sender's own id for the customer (contactId; SpiceCSM's AccountID).
    public var contactID: String?
    /// (custom field name, value) pairs, compared without case.
    public var customFields: [(name: String, value: String)] = []
    /// A criterion was present but can never match (a Userkey that is not a customer code, an email that is not an
    /// email address, an unknown custom field id): the search finds nothing without asking the database.
    public var impossible = false

    public init() {}

    public var isEmpty: Bool {
        code == nil && firstName == nil && lastName == nil && street == nil && street2 == nil && city == nil && region == nil
            && postalCode == nil && country == nil && phones.isEmpty && emails.isEmpty && status == nil && contactID == nil
            && customFields.isEmpty && !impossible
    }

    public static func == (lhs: CustomerSearch, rhs: CustomerSearch) -> Bool {
        lhs.code == rhs.code && lhs.firstName == rhs.firstName && lhs.lastName == rhs.lastName && lhs.street == rhs.street
            && lhs.street2 == rhs.street2 && lhs.city == rhs.city && lhs.region == rhs.region && lhs.postalCode == rhs.postalCode
            && lhs.country == rhs.country && lhs.phones == rhs.phones && lhs.emails == rhs.emails && lhs.status == rhs.status
            && lhs.contactID == rhs.contactID && lhs.impossible == rhs.impossible
            && lhs.customFields.map(\.name) == rhs.customFields.map(\.name)
            && lhs.customFields.map(\.value) == rhs.customFields.map(\.value)
    }
}
