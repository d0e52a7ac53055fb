import CRM
import JSON

/// `cusFields: [{name, value}]` checked against the org's definitions for the entity. An unknown name is an
/// error that names it: silently dropping a value the sender believes is stored would lose data.
enum CustomFieldValues {
    /// The values as a JSON object keyed by each field's own name; nil when `cusFields` is absent.
    static func read(_ reader: PayloadReader, entity: CustomFieldStore.Entity, directory: OrgDirectory) throws -> String? {
        guard let elements = reader.array("cusFields") else { return nil }
        let definitions = try directory.customFields(entity)
        var values = JSONObject()
        for (element, path) in elements {
            guard let object = element.objectValue else {
                reader.errors.add(path, "must be an object {name, value}")
                continue
            }
            let entry = PayloadReader(object: object, path: path, errors: reader.errors)
            guard let name = entry.requiredText("name", max: 200) else { continue }
            guard let definition = definitions[name.lowercased()] else {
                let known = definitions.values.map(\.name).sorted()
                reader.errors.add(
                    entry.field("name"),
                    "no \(entity.rawValue) custom field is named '\(name)'"
                        + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))"))
                continue
            }
            guard let raw = object["value"], PayloadReader.isPresent(raw) else {
                values[definition.name] = .null
                continue
            }
            if let value = convert(raw, definition, field: entry.field("value"), errors: reader.errors) {
                values[definition.name] = value
            }
        }
        return JSONWriter.string(.object(values))
    }

    /// The names of required fields of the entity missing from a new record's values.
    static func missingRequired(_ json: String?, entity: CustomFieldStore.Entity, directory: OrgDirectory) throws -> [String] {
        let required = try directory.requiredCustomFields(entity)
        guard !required.isEmpty else { return [] }
        let present = (json.flatMap { try? JSONParser.parse($0).objectValue }) ?? JSONObject()
        return required.filter { present[$0] == nil || present[$0] == .null }.sorted()
    }

    static func convert(
        _ raw: JSONValue, _ definition: CustomFieldStore.Definition, field: String, errors: FieldErrors
    ) -> JSONValue? {
        switch definition.type {
        case .text:
            return PayloadReader.text(raw, field: field, max: 10000, errors: errors).map(JSONValue.string)
        case .number:
            if let number = raw.doubleValue { return .number(number) }
            if let text = raw.stringValue?.trimmingCharacters(in: " "), let number = Double(text), number.isFinite {
                return .number(number)
            }
            errors.add(field, "must be a number for the number field '\(definition.name)'")
            return nil
        case .date:
            guard let instant = LenientValue.instant(raw) else {
                errors.add(field, "must be a date (YYYY-MM-DDTHH:mm:ssZ) for the date field '\(definition.name)'")
                return nil
            }
            return .string(instant.iso8601)
        case .checkbox, .inlineCheckbox:
            let parts: [String]
            if let list = raw.arrayValue {
                parts = list.compactMap(\.stringValue)
            } else if let text = raw.stringValue {
                parts = LenientValue.choices(text)
            } else {
                errors.add(field, "must be the chosen options separated by '|'")
                return nil
            }
            var chosen: [JSONValue] = []
            for part in parts {
                guard let option = option(part, definition) else {
                    errors.add(
                        field,
                        "'\(part)' is not an option of '\(definition.name)' (\(definition.options.joined(separator: ", ")))")
                    return nil
                }
                chosen.append(.string(option))
            }
            return .array(chosen)
        case .dropdown:
            guard let text = PayloadReader.text(raw, field: field, max: 500, errors: errors) else { return nil }
            guard let option = option(text, definition) else {
                errors.add(
                    field, "'\(text)' is not an option of '\(definition.name)' (\(definition.options.joined(separator: ", ")))")
                return nil
            }
            return .string(option)
        }
    }

    /// The option as defined; any option is accepted when the definition lists none.
    static func option(_ text: String, _ definition: CustomFieldStore.Definition) -> String? {
        if definition.options.isEmpty { return text }
        return definition.options.first { $0.lowercased() == text.lowercased() }
    }
}

/// `permit: {status, group, users}`: 1 everybody, 2 only me, 3 me and a group, 4 me and users.
enum Permit {
    static func read(_ reader: PayloadReader, directory: OrgDirectory) throws -> String? {
        guard let permit = reader.object("permit") else { return nil }
        guard
            let status = permit.integer(
                "status", allowed: 1...4, meaning: "1 (everybody), 2 (only me), 3 (me and a group) or 4 (me and users)")
        else {
            if !permit.has("status") { reader.errors.add(permit.field("status"), "is required in a permit") }
            return nil
        }
        var object: JSONObject = ["status": .number(Double(status))]
        if status == 3 {
            if let name = permit.requiredText("group", max: 200, because: "is required when status is 3") {
                if let group = try directory.group(named: name) {
                    object["group"] = .string(group.name)
                    object["groupId"] = .number(Double(group.id))
                } else {
                    reader.errors.add(permit.field("group"), "no group of the org is named '\(name)'")
                }
            }
        }
        if status == 4 {
            let emails = permit.array("users") ?? []
            if emails.isEmpty {
                reader.errors.add(permit.field("users"), "is required when status is 4: emails of users of the org")
            }
            var names: [JSONValue] = [], ids: [JSONValue] = []
            for (value, path) in emails {
                guard let email = value.stringValue.flatMap(Identity.email) else {
                    reader.errors.add(path, "must be the email of a user of the org")
                    continue
                }
                guard let id = try directory.activeUser(email: email) else {
                    reader.errors.add(path, "'\(email)' is not an active user of the org")
                    continue
                }
                names.append(.string(email))
                ids.append(.number(Double(id)))
            }
            object["users"] = .array(names)
            object["userIds"] = .array(ids)
        }
        return JSONWriter.string(.object(object))
    }
}
