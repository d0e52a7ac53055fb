import CRM
import HTTPServer
import JSON
import XML

/// A SpiceCSM "Account Update" (`userXML`, the structure of the account load): the account it names and the
/// customer fields it changes. Only the attributes present change anything; "" clears an optional value (a second
/// phone, an address line) and leaves a required one (the first name) as it is. Values are URL-encoded as in the load.
struct AccountUpdate {
    let userkey: String
    let contact: XMLElement?
    let fieldData: [XMLElement]

    init(_ document: XMLElement) throws(SpiceCSMError) {
        guard document.localName == "userdata" else {
            throw .malformed("userXML", "the root element must be <userdata>, not <\(document.localName)>")
        }
        guard let user = document.child("user"), let userkey = user.attribute("userkey").map(Self.decode), !userkey.isEmpty else {
            throw .malformed("userXML", "<user userkey=\"…\"> is required")
        }
        self.userkey = userkey
        contact = document.child("contacts")?.children("contact").first
        fieldData = document.child("fielddata")?.children("field") ?? []
        account = user.attribute("account").map(Self.decode)
    }

    let account: String?

    static func decode(_ value: String) -> String { FormDecoding.percentDecode(value).trimmingCharacters(in: " \t") }

    /// The fields to set on `profile`; `definitions` are the custom fields of its entity.
    /// - Throws: `SpiceCSMError` (422) naming every value that is not valid.
    func fields(for profile: CustomerProfile, definitions: [CustomFieldStore.Definition]) throws(SpiceCSMError) -> CustomerFields
    {
        var fields = CustomerFields()
        var problems: [String] = []
        if let account, !account.isEmpty { fields.contactID = account }
        if let contact {
            func attribute(_ name: String) -> String? { contact.attribute(name).map(Self.decode) }
            if let first = attribute("firstname"), !first.isEmpty { fields.name = first }
            // A load shows no last name as "": sending it back keeps "none".
            if let last = attribute("lastname"), !(last.isEmpty && profile.lastname == nil) { fields.lastname = last }
            fields.addressesJSON = address(contact, profile)
            var roles = ContactRoles(profile)
            /// Writes the slot attributes present; whether any was.
            func write(
                _ layout: ContactRoles.Layout, _ slots: inout [CustomerProfile.Handle?], _ problem: String,
                valid: (String) -> Bool
            ) -> Bool {
                var present = false
                for (slot, name) in layout.names.enumerated() {
                    guard let value = attribute(name) else { continue }
                    present = true
                    if value.isEmpty {
                        slots[slot] = nil
                        continue
                    }
                    guard valid(value) else {
                        problems.append("\(name): '\(value)' is not \(problem)")
                        continue
                    }
                    slots[slot] = CustomerProfile.Handle(type: slots[slot]?.type ?? layout.types[slot], value: value)
                }
                return present
            }
            let phonesChanged = write(ContactRoles.phoneLayout, &roles.phoneSlots, "a phone number (6 to 15 digits)") {
                Identity.phone($0) != nil
            }
            let emailsChanged = write(ContactRoles.emailLayout, &roles.emailSlots, "an email address") {
                Identity.email($0) != nil
            }
            // The same handles in another order are not a change.
            if phonesChanged, !Self.sameHandles(roles.phoneSlots.compactMap { $0 } + roles.otherPhones, profile.phones) {
                fields.phones = Self.points(roles.phones) { Identity.phone($0) }
            }
            if emailsChanged, !Self.sameHandles(roles.emailSlots.compactMap { $0 } + roles.otherEmails, profile.emails) {
                fields.emails = Self.points(roles.emails, Identity.email)
            }
        }
        var custom = JSONObject()
        for field in fieldData {
            guard let idText = field.attribute("id"), let id = Int64(idText),
                let definition = definitions.first(where: { $0.id == id })
            else {
                problems.append(
                    "field id '\(field.attribute("id") ?? "")' is not a custom field of this \(profile.code.series == .lead ? "lead" : "contact")"
                )
                continue
            }
            switch Self.convert(Self.decode(field.attribute("value") ?? ""), definition) {
            case .success(let value): custom[definition.name] = value
            case .failure(let problem): problems.append("field \(id) (\(definition.name)): \(problem.message)")
            }
        }
        if custom.count > 0 { fields.customFieldsJSON = JSONWriter.string(.object(custom)) }
        guard problems.isEmpty else {
            throw SpiceCSMError(status: 422, code: "invalid-value", message: problems.joined(separator: "; "))
        }
        return fields
    }

    /// The first address with the attributes present applied; nil when the contact names no address attribute.
    func address(_ contact: XMLElement, _ profile: CustomerProfile) -> String? {
        let keys = [("aone", "street"), ("atwo", "street2"), ("city", "city"), ("region", "state"), ("pc", "zip")]
        guard keys.contains(where: { contact.attribute($0.0) != nil }) || contact.attribute("country") != nil else { return nil }
        var addresses = profile.addresses
        var first = addresses.first ?? ["type": "Other"]
        for (attribute, key) in keys {
            guard let value = contact.attribute(attribute).map(Self.decode) else { continue }
            first[key] = value.isEmpty ? nil : .string(value)
        }
        // The load shows a country's code (else its name): the same text sent back keeps the stored country.
        if let country = contact.attribute("country").map(Self.decode),
            ![first["country"]?["code"]?.stringValue, first["country"]?["name"]?.stringValue].contains(where: {
                $0?.lowercased() == country.lowercased()
            })
        {
            let isCode =
                country.utf8.count == 2 && country.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
            first["country"] =
                country.isEmpty ? nil : .object(isCode ? ["code": .string(country.uppercased())] : ["name": .string(country)])
        }
        if addresses.isEmpty { addresses.append(first) } else { addresses[0] = first }
        return JSONWriter.string(.array(addresses.filter { $0.count > 1 }.map(JSONValue.object)))
    }

    static func sameHandles(_ a: [CustomerProfile.Handle], _ b: [CustomerProfile.Handle]) -> Bool {
        a.count == b.count && a.allSatisfy { handle in b.contains(handle) } && b.allSatisfy { handle in a.contains(handle) }
    }

    static func points(_ handles: [CustomerProfile.Handle], _ normalise: (String) -> String?) -> [ContactPoint] {
        var points: [ContactPoint] = []
        for handle in handles {
            guard let key = normalise(handle.value), !points.contains(where: { $0.key == key }) else { continue }
            points.append(ContactPoint(type: handle.type, value: handle.value, key: key))
        }
        return points
    }

    /// A `<field value>` as the definition's type stores it; "" clears the field.
    static func convert(_ text: String, _ definition: CustomFieldStore.Definition) -> Result<JSONValue, Identity.Problem> {
        if text.isEmpty { return .success(.null) }
        switch definition.type {
        case .text:
            return .success(.string(text))
        case .number:
            guard let number = Double(text), number.isFinite else { return .failure(.init(message: "'\(text)' is not a number")) }
            return .success(.number(number))
        case .date:
            let parts = text.split(separator: "-")
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                parts.allSatisfy({ $0.allSatisfy(\.isNumber) })
            else { return .failure(.init(message: "'\(text)' is not a date (YYYY-MM-DD)")) }
            return .success(.string(text))
        case .dropdown:
            guard let option = definition.options.first(where: { $0.lowercased() == text.lowercased() }) else {
                return .failure(.init(message: "'\(text)' is not one of \(definition.options.joined(separator: ", "))"))
            }
            return .success(.string(option))
        case .checkbox, .inlineCheckbox:
            var chosen: [JSONValue] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) where !item.isEmpty {
                guard let option = definition.options.first(where: { $0.lowercased() == item.lowercased() }) else {
                    return .failure(.init(message: "'\(item)' is not one of \(definition.options.joined(separator: ", "))"))
                }
                chosen.append(.string(option))
            }
            return .success(.array(chosen))
        }
    }
}
