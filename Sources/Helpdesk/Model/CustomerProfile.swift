import CRM
import JSON

/// Everything a helpdesk shows about one customer (Sirportly's data source answer, SpiceCSM's account load): the
/// customer row with its JSON columns parsed, and the name of its company.
public struct CustomerProfile: Sendable {
    public struct Handle: Sendable, Equatable {
        /// The email/phone type ("Work", …) or the IM protocol ("Facebook", …).
        public let type: String
        public let value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    public let id: Int64
    public let code: CustomerCode
    /// 0 contact (or lead), 1 account.
    public let type: Int
    public let name: String
    public let lastname: String?
    public let title: String?
    public let emails: [Handle]
    public let phones: [Handle]
    public let im: [Handle]
    /// [{type, street, street2, city, state, zip, country: {code, name}}].
    public let addresses: [JSONObject]
    public let websites: [String]
    public let tags: [String]
    /// {"Field name": value}.
    public let customFields: JSONObject
    public let contactID: String?
    public let company: String?
    public let dateOfBirth: String?
    public let createdAt: String

    public init(
        id: Int64, code: CustomerCode, type: Int, name: String, lastname: String?, title: String?, emails: [Handle],
        phones: [Handle],
        im: [Handle], addresses: [JSONObject], websites: [String], tags: [String], customFields: JSONObject, contactID: String?,
        company: String?, dateOfBirth: String?, createdAt: String
    ) {
        self.id = id
        self.code = code
        self.type = type
        self.name = name
        self.lastname = lastname
        self.title = title
        self.emails = emails
        self.phones = phones
        self.im = im
        self.addresses = addresses
        self.websites = websites
        self.tags = tags
        self.customFields = customFields
        self.contactID = contactID
        self.company = company
        self.dateOfBirth = dateOfBirth
        self.createdAt = createdAt
    }
}

/// A deal or ticket line of a customer's profile.
public struct CustomerActivity: Sendable, Equatable {
    public let id: Int64
    public let title: String
    /// The deal's stage or the ticket's status.
    public let status: String
    /// The deal's value and currency ("50000 VND"), or nil.
    public let amount: String?
    /// "YYYY-MM-DD": the deal's close date or the ticket's creation date.
    public let date: String?

    public init(id: Int64, title: String, status: String, amount: String?, date: String?) {
        self.id = id
        self.title = title
        self.status = status
        self.amount = amount
        self.date = date
    }
}
