import CRM
import JSON

/// The JSON a Sirportly data source answers (sirportly-customer-data-sources.txt, "JSON Payload"):
/// `contact_methods`, the customer record variables, then custom data in the document's three shapes — single
/// values (custom fields and key facts), a hash ("Details") and arrays of hashes (addresses, open deals, recent
/// tickets).
enum SirportlyPayload {
    static let reserved: Set<String> = ["contact_methods", "first_name", "last_name", "reference", "company", "timezone"]

    struct Searched {
        let type: String
        let data: String
    }

    static func document(
        _ profile: CustomerProfile, searched: Searched, timezone: String, deals: [CustomerActivity], tickets: [CustomerActivity],
        sections: Set<SirportlyCustomData> = Set(SirportlyCustomData.allCases)
    ) -> JSONValue {
        var document = JSONObject()
        document["contact_methods"] = .object(contactMethods(profile, searched: searched))
        document["first_name"] = .string(profile.name)
        if let lastname = profile.lastname, !lastname.isEmpty { document["last_name"] = .string(lastname) }
        document["reference"] = .string(profile.code.description)
        if let company = profile.company { document["company"] = .string(company) }
        document["timezone"] = .string(customTimezone(profile) ?? timezone)

        var custom: [(String, JSONValue)] = []
        if sections.contains(.customFields) {
            for (name, value) in profile.customFields {
                if let text = singleValue(value) { custom.append((name, .string(text))) }
            }
        }
        if sections.contains(.facts) {
            custom.append(
                ("Customer type", .string(profile.code.series == .lead ? "Lead" : profile.type == 1 ? "Account" : "Contact")))
            custom.append(("Customer since", .string(String(profile.createdAt.prefix(10)))))
        }
        var details = JSONObject()
        if let title = profile.title, !title.isEmpty { details["Title"] = .string(title) }
        if let birth = profile.dateOfBirth { details["Date of birth"] = .string(birth) }
        if let external = profile.contactID { details["External ID"] = .string(external) }
        if !profile.tags.isEmpty { details["Tags"] = .string(profile.tags.joined(separator: ", ")) }
        if !profile.websites.isEmpty { details["Websites"] = .string(profile.websites.joined(separator: ", ")) }
        if details.count > 0, sections.contains(.details) { custom.append(("Details", .object(details))) }
        let addresses = profile.addresses.map(address)
        if !addresses.isEmpty, sections.contains(.addresses) { custom.append(("Addresses", .array(addresses))) }
        if !deals.isEmpty, sections.contains(.openDeals) {
            custom.append(
                (
                    "Open deals",
                    .array(
                        deals.map { deal in
                            var row: JSONObject = ["Deal": .string(deal.title), "Stage": .string(deal.status)]
                            if let amount = deal.amount { row["Value"] = .string(amount) }
                            if let date = deal.date { row["Close date"] = .string(date) }
                            return .object(row)
                        })
                ))
        }
        if !tickets.isEmpty, sections.contains(.recentTickets) {
            custom.append(
                (
                    "Recent tickets",
                    .array(
                        tickets.map { ticket in
                            var row: JSONObject = [
                                "Ticket": .string("#\(ticket.id)"), "Subject": .string(ticket.title),
                                "Status": .string(ticket.status),
                            ]
                            if let date = ticket.date { row["Opened"] = .string(date) }
                            return .object(row)
                        })
                ))
        }
        // A custom field may not take the place of a record variable or of another entry.
        for (name, value) in custom {
            var key = name
            while reserved.contains(key.lowercased()) || document[key] != nil { key = "CRM " + key }
            document[key] = value
        }
        return .object(document)
    }

    /// Every contact method of the customer by Sirportly type, the searched one first in its list ("must always
    /// include the contact method upon which we searched").
    static func contactMethods(_ profile: CustomerProfile, searched: Searched) -> JSONObject {
        var methods: [(key: String, values: [String])] = []
        func add(_ key: String, _ value: String) {
            if let index = methods.firstIndex(where: { $0.key == key }) {
                if !methods[index].values.contains(value) { methods[index].values.append(value) }
            } else {
                methods.append((key, [value]))
            }
        }
        for email in profile.emails { add("email", email.value) }
        for phone in profile.phones { add("telephone", phone.value) }
        for handle in profile.im { add(handle.type.lowercased(), handle.value) }
        let key = searched.type.lowercased()
        if let index = methods.firstIndex(where: { $0.key == key }) {
            methods[index].values.removeAll { SirportlyContactMethod.same($0, searched.data, type: key) }
            methods[index].values.insert(searched.data, at: 0)
        } else {
            // A phone searched as "phone" is listed under "telephone" too; the searched key holds the searched value.
            if SirportlyContactMethod.phoneTypes.contains(key), let index = methods.firstIndex(where: { $0.key == "telephone" }) {
                methods[index].values.removeAll { SirportlyContactMethod.same($0, searched.data, type: key) }
            }
            methods.append((key, [searched.data]))
        }
        var object = JSONObject()
        for method in methods where !method.values.isEmpty { object[method.key] = .array(method.values.map(JSONValue.string)) }
        return object
    }

    /// A custom field value as one cell: text, a number, yes/no, a list joined by commas; nil for no value.
    static func singleValue(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text.isEmpty ? nil : text
        case .number(let number): JSONWriter.format(number)
        case .bool(let flag): flag ? "Yes" : "No"
        case .array(let items):
            items.isEmpty ? nil : items.compactMap(singleValue).joined(separator: ", ")
        case .object, .null: nil
        }
    }

    /// The "Timezone" custom field, when the org keeps one per customer.
    static func customTimezone(_ profile: CustomerProfile) -> String? {
        profile.customFields.first { $0.key.lowercased() == "timezone" || $0.key.lowercased() == "time zone" }?.value.stringValue
            .flatMap { $0.isEmpty ? nil : $0 }
    }

    static func address(_ stored: JSONObject) -> JSONValue {
        var row = JSONObject()
        if let type = stored["type"]?.stringValue { row["Type"] = .string(type) }
        for (key, label) in [
            ("street", "Street"), ("street2", "Street 2"), ("city", "City"), ("state", "State"), ("zip", "Postcode"),
        ] {
            if let value = stored[key]?.stringValue { row[label] = .string(value) }
        }
        if let country = stored["country"]?["name"]?.stringValue ?? stored["country"]?["code"]?.stringValue {
            row["Country"] = .string(country)
        }
        return .object(row)
    }
}
