import CRM
import JSON

/// An org's rules for the SmarterTrack providers GetCustomFieldOptions, StartTicket and StartChat
/// (smartertrack-external-providers.txt), kept as a JSON document:
///
///     {"statuses": {"suspended": {"tickets": false, "chats": false, "message": "Your account is suspended."},
///                   "vip": {"ticket_department": "Priority Support", "ticket_group": "VIP", "chat_department": "Priority"}},
///      "unknown_customer": {"tickets": true, "chats": false},
///      "custom_fields": [{"name": "Type of Issue", "departments": ["Support"], "location": "PRE",
///                         "list_options": ["Web site issues", "Email issues"], "required": true, "visible": true,
///                         "display_with_information_lookup": false}],
///      "output_custom_fields": ["Plan Type", "Billing ID"]}
///
/// A status that is not listed allows everything; `output_custom_fields` absent sends every CRM custom field.
public struct SmarterTrackRules: Sendable, Equatable {
    /// What customers of one status (or unknown customers) may do, and where their tickets and chats go.
    public struct Permission: Sendable, Equatable {
        public var tickets = true
        public var chats = true
        /// Shown by SmarterTrack when something is refused.
        public var message: String?
        public var ticketDepartment: String?
        public var ticketGroup: String?
        public var chatDepartment: String?

        public init() {}
    }

    /// One ExternalCustomFieldData item GetCustomFieldOptions returns, when its department and location match.
    public struct FieldOverride: Sendable, Equatable {
        public var name: String
        /// Department names (any case) this applies to; empty means every department.
        public var departments: [String] = []
        /// "PRE" or "REGULAR"; nil means both steps.
        public var location: String?
        public var listOptions: [String]?
        public var required: Bool?
        public var visible: Bool?
        public var displayWithInformationLookup = false

        public init(name: String) { self.name = name }
    }

    public var statuses: [String: Permission] = [:]
    public var unknownCustomer = Permission()
    public var customFields: [FieldOverride] = []
    public var outputCustomFields: [String]?

    public init() {}

    /// The permission of a customer with this status; nil status means no CRM customer matched.
    public func permission(status: String?) -> Permission {
        guard let status else { return unknownCustomer }
        return statuses[status] ?? Permission()
    }

    /// The overrides for this department and step ("PRE" or "REGULAR"), in document order.
    public func fieldOverrides(department: String, location: String) -> [FieldOverride] {
        customFields.filter { field in
            (field.departments.isEmpty || field.departments.contains { $0.lowercased() == department.lowercased() })
                && (field.location == nil || field.location == location.uppercased())
        }
    }

    // MARK: Reading and writing the document

    /// Reads a rules document, naming every field that breaks a rule.
    public static func parse(_ value: JSONValue) -> Result<SmarterTrackRules, CRMError> {
        var errors: [FieldError] = []
        var rules = SmarterTrackRules()
        guard let object = value.objectValue else { return .failure(.malformed("the rules must be a JSON object")) }
        for (key, member) in object {
            switch key {
            case "statuses":
                guard let statuses = member.objectValue else {
                    errors.append(FieldError("statuses", "must be an object of status → permission"))
                    continue
                }
                for (status, entry) in statuses {
                    if !isStatus(status) {
                        errors.append(FieldError("statuses.\(status)", "is not a status (1–50 of a-z, 0-9, '-', '_')"))
                    }
                    rules.statuses[status] = permission(entry, "statuses.\(status)", &errors)
                }
            case "unknown_customer": rules.unknownCustomer = permission(member, key, &errors)
            case "custom_fields":
                guard let list = member.arrayValue else {
                    errors.append(FieldError(key, "must be an array of custom field overrides"))
                    continue
                }
                rules.customFields = list.enumerated().compactMap { fieldOverride($1, "custom_fields[\($0)]", &errors) }
            case "output_custom_fields": rules.outputCustomFields = strings(member, key, &errors)
            default: errors.append(FieldError(key, "is not a known field"))
            }
        }
        return errors.isEmpty ? .success(rules) : .failure(.invalid(errors))
    }

    /// Portal-login statuses: lower-case words, as the database checks them.
    public static func isStatus(_ text: String) -> Bool {
        (1...50).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["statuses"] = .object(JSONObject(statuses.sorted { $0.key < $1.key }.map { ($0.key, Self.json($0.value)) }))
        object["unknown_customer"] = Self.json(unknownCustomer)
        object["custom_fields"] = .array(customFields.map(Self.json))
        object["output_custom_fields"] = outputCustomFields.map { .array($0.map(JSONValue.string)) } ?? .null
        return .object(object)
    }

    static func json(_ permission: Permission) -> JSONValue {
        [
            "tickets": .bool(permission.tickets), "chats": .bool(permission.chats), "message": text(permission.message),
            "ticket_department": text(permission.ticketDepartment), "ticket_group": text(permission.ticketGroup),
            "chat_department": text(permission.chatDepartment),
        ]
    }

    static func json(_ field: FieldOverride) -> JSONValue {
        [
            "name": .string(field.name), "departments": .array(field.departments.map(JSONValue.string)),
            "location": text(field.location),
            "list_options": field.listOptions.map { .array($0.map(JSONValue.string)) } ?? .null,
            "required": field.required.map(JSONValue.bool) ?? .null, "visible": field.visible.map(JSONValue.bool) ?? .null,
            "display_with_information_lookup": .bool(field.displayWithInformationLookup),
        ]
    }

    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    private static func permission(_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> Permission {
        var permission = Permission()
        guard let object = value.objectValue else {
            errors.append(
                FieldError(
                    path, "must be an object with tickets, chats, message, ticket_department, ticket_group, chat_department"))
            return permission
        }
        for (key, member) in object {
            let field = "\(path).\(key)"
            switch key {
            case "tickets": permission.tickets = bool(member, field, &errors) ?? true
            case "chats": permission.chats = bool(member, field, &errors) ?? true
            case "message": permission.message = string(member, field, &errors)
            case "ticket_department": permission.ticketDepartment = string(member, field, &errors)
            case "ticket_group": permission.ticketGroup = string(member, field, &errors)
            case "chat_department": permission.chatDepartment = string(member, field, &errors)
            default: errors.append(FieldError(field, "is not a known field"))
            }
        }
        return permission
    }

    private static func fieldOverride(_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> FieldOverride? {
        guard let object = value.objectValue else {
            errors.append(FieldError(path, "must be an object"))
            return nil
        }
        guard let name = object["name"].flatMap({ string($0, "\(path).name", &errors) }), !name.isEmpty else {
            if object["name"] == nil { errors.append(FieldError("\(path).name", "is required")) }
            return nil
        }
        var field = FieldOverride(name: name)
        for (key, member) in object {
            let path = "\(path).\(key)"
            switch key {
            case "name": break
            case "departments": field.departments = strings(member, path, &errors) ?? []
            case "location":
                guard let location = string(member, path, &errors) else { continue }
                if ["PRE", "REGULAR"].contains(location.uppercased()) {
                    field.location = location.uppercased()
                } else {
                    errors.append(FieldError(path, "must be PRE or REGULAR"))
                }
            case "list_options": field.listOptions = strings(member, path, &errors)
            case "required": field.required = bool(member, path, &errors)
            case "visible": field.visible = bool(member, path, &errors)
            case "display_with_information_lookup": field.displayWithInformationLookup = bool(member, path, &errors) ?? false
            default: errors.append(FieldError(path, "is not a known field"))
            }
        }
        return field
    }

    private static func bool(_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> Bool? {
        if value.isNull { return nil }
        guard let flag = value.boolValue else {
            errors.append(FieldError(path, "must be true or false, not \(value.typeName)"))
            return nil
        }
        return flag
    }

    private static func string(_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> String? {
        if value.isNull { return nil }
        guard let text = value.stringValue, text.count <= 500 else {
            errors.append(
                FieldError(
                    path, value.stringValue == nil ? "must be a string, not \(value.typeName)" : "must be at most 500 characters")
            )
            return nil
        }
        return text
    }

    private static func strings(_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> [String]? {
        if value.isNull { return nil }
        guard let list = value.arrayValue else {
            errors.append(FieldError(path, "must be an array of strings"))
            return nil
        }
        return list.enumerated().compactMap { string($1, "\(path)[\($0)]", &errors) }
    }
}
