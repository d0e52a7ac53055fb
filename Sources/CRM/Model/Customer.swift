/// Which numbering a customer belongs to: contacts and accounts share `PID-`, leads have `LID-`, companies `CID-`
/// (crm-listener-webhook.txt). Also the dedup scope: a lead and a contact may share an email.
public enum CustomerSeries: String, Sendable, CaseIterable {
    case contact, lead, company

    public var codePrefix: String {
        switch self {
        case .contact: "PID"
        case .lead: "LID"
        case .company: "CID"
        }
    }
}

/// A customer code as users see it: "PID-12". Numbers are per org and never reused.
public struct CustomerCode: Sendable, Equatable, CustomStringConvertible {
    public let series: CustomerSeries
    public let number: Int64

    public init(series: CustomerSeries, number: Int64) {
        self.series = series
        self.number = number
    }

    /// "PID-12", "lid-3", " CID-7 ".
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: " \t").uppercased().split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let series = CustomerSeries.allCases.first(where: { $0.codePrefix == parts[0] }),
            let number = Int64(parts[1]), number > 0
        else { return nil }
        self.init(series: series, number: number)
    }

    public var description: String { "\(series.codePrefix)-\(number)" }
}

/// An email or phone as sent (with its type) and in the normalised form that finds duplicates.
public struct ContactPoint: Sendable, Equatable {
    public let type: String
    public let value: String
    public let key: String

    public init(type: String, value: String, key: String) {
        self.type = type
        self.value = value
        self.key = key
    }
}

/// The customer fields one payload sets. `nil` means "not sent": an update leaves that field as it is.
public struct CustomerFields: Sendable {
    public var name: String?
    public var lastname: String?
    public var title: String?
    public var passport: String?
    /// The normalised passport that finds duplicates.
    public var passportKey: String?
    /// 0 contact (or lead), 1 account.
    public var type: Int?
    /// 0 male, 1 female, 2 other.
    public var gender: Int?
    public var bgInfo: String?
    /// "YYYY-MM-DD".
    public var dateOfBirth: String?
    public var emails: [ContactPoint]?
    public var phones: [ContactPoint]?
    /// JSON arrays as stored: [{type, street, city, state, zip, country: {code, name}}].
    public var addressesJSON: String?
    /// [{value}].
    public var websitesJSON: String?
    /// [{protocol, value}].
    public var imJSON: String?
    public var tags: [String]?
    /// {"Field name": value}.
    public var customFieldsJSON: String?
    /// {status, group, groupId, users, userIds}.
    public var permitJSON: String?
    /// The sender's own id for the customer (`contactId`).
    public var contactID: String?

    public init() {}

    /// The names of the fields this payload sets, as the document spells them (for history lines).
    public var presentFields: [String] {
        var names: [String] = []
        if name != nil { names.append("name") }
        if lastname != nil { names.append("lastname") }
        if title != nil { names.append("title") }
        if passport != nil { names.append("passport") }
        if type != nil { names.append("type") }
        if gender != nil { names.append("gender") }
        if bgInfo != nil { names.append("bgInfo") }
        if dateOfBirth != nil { names.append("dateOfBirth") }
        if emails != nil { names.append("emails") }
        if phones != nil { names.append("phones") }
        if addressesJSON != nil { names.append("addresses") }
        if websitesJSON != nil { names.append("websites") }
        if imJSON != nil { names.append("im") }
        if tags != nil { names.append("tag") }
        if customFieldsJSON != nil { names.append("cusFields") }
        if permitJSON != nil { names.append("permit") }
        if contactID != nil { names.append("contactId") }
        return names
    }
}

/// A customer row as an action needs it after matching or creating.
public struct CustomerRef: Sendable, Equatable {
    public let id: Int64
    public let code: CustomerCode
    /// 0 contact, 1 account (leads and companies: 0).
    public let type: Int
    /// How an existing customer was found (nil for one just created).
    public var matchedBy: MatchReason?

    public init(id: Int64, code: CustomerCode, type: Int, matchedBy: MatchReason? = nil) {
        self.id = id
        self.code = code
        self.type = type
        self.matchedBy = matchedBy
    }
}
