import CRM

/// The POST variables of a SpiceCSM account search (spicecsm-web-call-integrations.txt, "Account Search/Load";
/// "Only variables that contain data will be sent"). Every listed variable is read under its documented name —
/// including the document's spellings "SecondayPhone" and "Modile", with "SecondaryPhone" and "Mobile" accepted too.
/// `Password` is accepted and not used: CRMHub keeps no account passwords.
struct SearchVariables {
    var search = CustomerSearch()
    /// CustFields pairs "ID\value", resolved against the org's custom field definitions by the caller.
    var customFieldIDs: [(id: Int64, value: String)] = []

    /// - Throws: `SpiceCSMError` for a CustFields entry that is not "ID\value".
    init(_ form: [(name: String, value: String)]) throws(SpiceCSMError) {
        func value(_ names: String...) -> String? {
            for name in names {
                if let text = form.first(where: { $0.name == name })?.value.trimmingCharacters(in: " \t"), !text.isEmpty {
                    return text
                }
            }
            return nil
        }
        if let userkey = value("Userkey") {
            // Accounts are contacts, accounts and leads; a company code (CID-) is no account's Userkey.
            if let code = CustomerCode(userkey), code.series != .company { search.code = code } else { search.impossible = true }
        }
        search.firstName = value("FirstName")
        search.lastName = value("LastName")
        search.street = value("AddressOne")
        search.street2 = value("AddressTwo")
        search.city = value("City")
        search.region = value("Region")
        search.postalCode = value("PostalCode")
        search.country = value("Country")
        for phone in [value("PrimaryPhone"), value("SecondayPhone", "SecondaryPhone"), value("Fax"), value("Modile", "Mobile")] {
            guard let phone else { continue }
            if let key = Identity.phone(phone) { search.phones.append(key) } else { search.impossible = true }
        }
        for email in [value("PrimaryEmail"), value("SecondaryEmail")] {
            guard let email else { continue }
            if let key = Identity.email(email) { search.emails.append(key) } else { search.impossible = true }
        }
        search.status = value("Status")
        search.contactID = value("AccountID")
        if let list = value("CustFields") { customFieldIDs = try Self.customFields(list) }
    }

    /// "1\Gold,7\yes" → [(1, "Gold"), (7, "yes")]: comma-delimited pairs "ID\value".
    static func customFields(_ list: String) throws(SpiceCSMError) -> [(id: Int64, value: String)] {
        var pairs: [(id: Int64, value: String)] = []
        for entry in list.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: "\\", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let id = Int64(parts[0].trimmingCharacters(in: " \t")), id > 0 else {
                throw SpiceCSMError(
                    status: 400, code: "invalid-variable", message: "CustFields entry '\(entry)' is not of the form ID\\value")
            }
            pairs.append((id, parts[1].trimmingCharacters(in: " \t")))
        }
        return pairs
    }
}
