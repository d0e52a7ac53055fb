import CRM
import JSON

/// The customer fields of add/update-contact, add/update-lead, dealWith, contacts[] and companyContact
/// (crm-listener-webhook.txt §2.2.1–2.2.6), checked and normalised.
enum CustomerPayload {
    static let emailTypes = ["Work", "Home", "Mobile", "Other"]
    static let phoneTypes = ["Work", "Home", "Mobile", "Other"]
    static let addressTypes = ["Work", "Home", "Other"]
    static let imProtocols = ["Skype", "Facebook", "Yahoo", "Viber", "Hangouts", "Other"]

    /// - Parameter entity: whose custom field definitions `cusFields` names (contact or lead).
    static func read(_ reader: PayloadReader, entity: CustomFieldStore.Entity, directory: OrgDirectory) throws -> CustomerFields {
        var fields = CustomerFields()
        fields.name = reader.text("name")
        fields.lastname = reader.text("lastname")
        fields.title = reader.text("title")
        if let (passport, key) = identity(reader, "passport", max: 100, Identity.passportKey) {
            fields.passport = passport
            fields.passportKey = key
        }
        fields.type = reader.integer(
            "type", allowed: 0...1, names: ["contact": 0, "account": 1], meaning: "0 (contact) or 1 (account)")
        fields.gender = reader.integer(
            "gender", allowed: 0...2, names: ["male": 0, "female": 1, "other": 2], meaning: "0 (male), 1 (female) or 2 (other)")
        fields.bgInfo = reader.text("bgInfo", max: 20000)
        if let value = reader.object["dateOfBirth"], PayloadReader.isPresent(value) {
            if let date = LenientValue.calendarDate(value) {
                fields.dateOfBirth = date.description
            } else {
                reader.errors.add(
                    reader.field("dateOfBirth"), "is not a date (YYYY-MM-DD, ISO 8601, epoch milliseconds or a JavaScript date)")
            }
        }
        fields.emails = emails(reader)
        fields.phones = phones(reader)
        fields.addressesJSON = addresses(reader)
        fields.websitesJSON = websites(reader)
        fields.imJSON = instantMessaging(reader)
        if let tag = reader.object["tag"] ?? reader.object["tags"], PayloadReader.isPresent(tag) {
            fields.tags = LenientValue.tags(tag)
        }
        fields.contactID = reader.text("contactId", max: 200)
        fields.customFieldsJSON = try CustomFieldValues.read(reader, entity: entity, directory: directory)
        fields.permitJSON = try Permit.read(reader, directory: directory)
        return fields
    }

    static func emails(_ reader: PayloadReader) -> [ContactPoint]? {
        contactPoints(reader, key: "emails", types: emailTypes, normalise: Identity.emailKey)
    }

    static func phones(_ reader: PayloadReader) -> [ContactPoint]? {
        contactPoints(reader, key: "phones", types: phoneTypes, normalise: Identity.phoneKey)
    }

    /// [{type, value}] or plain strings; entries with an empty value are skipped, duplicates kept once.
    static func contactPoints(
        _ reader: PayloadReader, key: String, types: [String], normalise: (String) -> Result<String, Identity.Problem>
    ) -> [ContactPoint]? {
        guard let elements = reader.array(key) else { return nil }
        var points: [ContactPoint] = []
        for (element, path) in elements {
            let value: String?, type: String, valuePath: String
            if let object = element.objectValue {
                let entry = PayloadReader(object: object, path: path, errors: reader.errors)
                value = entry.text("value", max: 320)
                type = entry.choice("type", types, fallback: "Other")
                valuePath = entry.field("value")
            } else if PayloadReader.isPresent(element) {
                value = PayloadReader.text(element, field: path, max: 320, errors: reader.errors)
                type = "Other"
                valuePath = path
            } else {
                continue
            }
            guard let value else { continue }
            let normalised: String
            switch normalise(value) {
            case .success(let key): normalised = key
            case .failure(let problem):
                reader.errors.add(valuePath, problem.message)
                continue
            }
            if !points.contains(where: { $0.key == normalised }) {
                points.append(ContactPoint(type: type, value: value, key: normalised))
            }
        }
        return points
    }

    /// The single identity in `key` (a passport, or a note's `email`) as sent and normalised; nil when absent or
    /// not valid (then with an error naming the field).
    static func identity(
        _ reader: PayloadReader, _ key: String, max: Int, _ normalise: (String) -> Result<String, Identity.Problem>
    ) -> (value: String, key: String)? {
        guard let value = reader.text(key, max: max) else { return nil }
        switch normalise(value) {
        case .success(let normalised): return (value, normalised)
        case .failure(let problem):
            reader.errors.add(reader.field(key), problem.message)
            return nil
        }
    }

    static func addresses(_ reader: PayloadReader) -> String? {
        guard let elements = reader.array("addresses") else { return nil }
        var list: [JSONValue] = []
        for (element, path) in elements {
            guard let object = element.objectValue else {
                reader.errors.add(path, "must be an object {type, street, city, state, zip, country}")
                continue
            }
            let entry = PayloadReader(object: object, path: path, errors: reader.errors)
            var address = JSONObject()
            address["type"] = .string(entry.choice("type", addressTypes, fallback: "Other"))
            for key in ["street", "city", "state", "zip"] {
                if let value = entry.text(key, max: 500) { address[key] = .string(value) }
            }
            if let value = object["country"], PayloadReader.isPresent(value) {
                if let country = LenientValue.country(value) {
                    var countryObject = JSONObject()
                    if let code = country.code { countryObject["code"] = .string(code) }
                    if let name = country.name { countryObject["name"] = .string(name) }
                    address["country"] = .object(countryObject)
                } else {
                    reader.errors.add(entry.field("country"), "must be a country code, a name or {code, name}")
                }
            }
            if address.count > 1 { list.append(.object(address)) }
        }
        return JSONWriter.string(.array(list))
    }

    static func websites(_ reader: PayloadReader) -> String? {
        guard let elements = reader.array("websites") else { return nil }
        var list: [JSONValue] = []
        for (element, path) in elements {
            let value: String?
            if let object = element.objectValue {
                value = PayloadReader(object: object, path: path, errors: reader.errors).text("value", max: 2000)
            } else if PayloadReader.isPresent(element) {
                value = PayloadReader.text(element, field: path, max: 2000, errors: reader.errors)
            } else {
                value = nil
            }
            if let value { list.append(["value": .string(value)]) }
        }
        return JSONWriter.string(.array(list))
    }

    static func instantMessaging(_ reader: PayloadReader) -> String? {
        guard let elements = reader.array("im") else { return nil }
        var list: [JSONValue] = []
        for (element, path) in elements {
            guard let object = element.objectValue else {
                reader.errors.add(path, "must be an object {protocol, value}")
                continue
            }
            let entry = PayloadReader(object: object, path: path, errors: reader.errors)
            let kind = entry.choice("protocol", imProtocols, fallback: "Other")
            if let value = entry.text("value", max: 500) { list.append(["protocol": .string(kind), "value": .string(value)]) }
        }
        return JSONWriter.string(.array(list))
    }
}
