/// An org contact seen through the CIOPulse-compatible Contacts API (ciopulse-contacts-api.txt): a customer of
/// kind 'contact' with a `system_id`. first_name is its name, last_name its lastname, job_title its title, email
/// its first email and mobile its first phone.
public struct CIOPulseContact: Sendable, Equatable {
    /// customers.system_id holds 1–200 characters, counted as PostgreSQL counts them (code points, not graphemes),
    /// without NUL; the CIOPulse API and the admin API refuse anything else before a statement runs.
    public static func isSystemID(_ text: String) -> Bool {
        (1...200).contains(text.unicodeScalars.count) && !text.utf8.contains(0)
    }

    public let systemID: String
    public var firstName: String
    public var lastName: String?
    public var jobTitle: String?
    public var email: String?
    public var mobile: String?

    public init(systemID: String, firstName: String, lastName: String?, jobTitle: String?, email: String?, mobile: String?) {
        self.systemID = systemID
        self.firstName = firstName
        self.lastName = lastName
        self.jobTitle = jobTitle
        self.email = email
        self.mobile = mobile
    }

    /// The contact after `changes`.
    public func applying(_ changes: Changes) -> CIOPulseContact {
        var copy = self
        if let value = changes.firstName, let value { copy.firstName = value }
        if let value = changes.lastName { copy.lastName = value }
        if let value = changes.jobTitle { copy.jobTitle = value }
        if let value = changes.email { copy.email = value }
        if let value = changes.mobile { copy.mobile = value }
        return copy
    }

    /// The names of the fields (as the document spells them) whose value `changes` would change.
    public func changedFields(_ changes: Changes) -> [String] {
        let after = applying(changes)
        var names: [String] = []
        if after.firstName != firstName { names.append("first_name") }
        if after.lastName != lastName { names.append("last_name") }
        if after.jobTitle != jobTitle { names.append("job_title") }
        if after.email != email { names.append("email") }
        if after.mobile != mobile { names.append("mobile") }
        return names
    }

    /// What one PUT payload says about each field: `nil` = omitted (leave it), `.some(nil)` = `null` (clear it),
    /// `.some(value)` = set it. Values are already valid.
    public struct Changes: Sendable, Equatable {
        public var firstName: String??
        public var lastName: String??
        public var jobTitle: String??
        public var email: String??
        public var mobile: String??

        public init(
            firstName: String?? = nil, lastName: String?? = nil, jobTitle: String?? = nil, email: String?? = nil,
            mobile: String?? = nil
        ) {
            self.firstName = firstName
            self.lastName = lastName
            self.jobTitle = jobTitle
            self.email = email
            self.mobile = mobile
        }
    }
}

/// A contact as the store found it: its customer id with the CIOPulse view.
public struct StoredCIOPulseContact: Sendable, Equatable {
    public let customerID: Int64
    public let contact: CIOPulseContact

    public init(customerID: Int64, contact: CIOPulseContact) {
        self.customerID = customerID
        self.contact = contact
    }
}
