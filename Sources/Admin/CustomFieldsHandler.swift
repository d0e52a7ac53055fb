import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/custom-fields`: definitions that `cusFields` values are checked against.
public struct CustomFieldsHandler: Sendable {
    public let context: AdminContext
    public let fields: CustomFieldStore

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["entity", "name", "type", "options", "required"])
        let entity = reader.choice(
            "entity", CustomFieldStore.Entity.self, allowed: CustomFieldStore.Entity.allCases, required: true)
        let name = reader.string("name", required: true)
        let type = reader.choice(
            "type", CustomFieldStore.FieldType.self, allowed: CustomFieldStore.FieldType.allCases, required: true)
        let options = Self.options(&reader) ?? []
        let required = reader.bool("required") ?? false
        if let type {
            if type.hasOptions && options.isEmpty {
                reader.errors.append(FieldError("options", "is required for \(type.rawValue) fields: the values to choose from"))
            } else if !type.hasOptions && !options.isEmpty {
                reader.errors.append(FieldError("options", "only checkbox, inline_checkbox and dropdown fields have options"))
            }
        }
        try reader.finish()
        let definition = try await fields.create(
            orgID: org.id, entity: entity!, name: name!, type: type!, options: options, required: required,
            audit: context.auditEntry(request, principal, "custom_field.create", details: ["name": .string(name!)]))
        return AdminJSON.response(Self.representation(definition), status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        var entity: CustomFieldStore.Entity?
        if let text = request.query("entity") {
            guard let value = CustomFieldStore.Entity(rawValue: text) else {
                throw CRMError.invalid([FieldError("entity", "must be one of contact, lead, deal, ticket")])
            }
            entity = value
        }
        let items = try await fields.list(orgID: org.id, entity: entity)
        return AdminJSON.page(items.map(Self.representation), next: nil)
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "field")
        guard let current = try await fields.find(orgID: org.id, id: id) else { throw CRMError.notFound("custom field \(id)") }
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "options", "required"])
        let name = reader.string("name")
        if name == "" { reader.errors.append(FieldError("name", "must not be empty")) }
        let options = Self.options(&reader)
        if let options {
            if !current.type.hasOptions && !options.isEmpty {
                reader.errors.append(FieldError("options", "only checkbox, inline_checkbox and dropdown fields have options"))
            } else if current.type.hasOptions && options.isEmpty {
                reader.errors.append(FieldError("options", "must not be empty for a \(current.type.rawValue) field"))
            }
        }
        let required = reader.bool("required")
        try reader.finish()
        let definition = try await fields.update(
            orgID: org.id, id: id, name: name, options: options, required: required,
            audit: context.auditEntry(request, principal, "custom_field.update", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(definition))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "field")
        try await fields.delete(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "custom_field.delete"))
        return Response(status: 204)
    }

    /// Distinct, non-empty option strings (a value may not contain "|": checkbox values are split on it).
    public static func options(_ reader: inout FieldReader) -> [String]? {
        guard let value = reader.object["options"], !value.isNull else { return nil }
        guard let list = value.arrayValue else {
            reader.errors.append(FieldError("options", "must be an array of strings"))
            return nil
        }
        var options: [String] = []
        for (index, element) in list.enumerated() {
            guard let text = element.stringValue, !text.isEmpty, text.count <= 200, !text.contains("|") else {
                reader.errors.append(
                    FieldError("options[\(index)]", "must be a non-empty string of at most 200 characters without '|'"))
                continue
            }
            if options.contains(text) {
                reader.errors.append(FieldError("options[\(index)]", "repeats '\(text)'"))
            } else {
                options.append(text)
            }
        }
        return options
    }

    public static func representation(_ definition: CustomFieldStore.Definition) -> JSONValue {
        [
            "id": .string(String(definition.id)), "entity": .string(definition.entity.rawValue), "name": .string(definition.name),
            "type": .string(definition.type.rawValue), "options": .array(definition.options.map(JSONValue.string)),
            "required": .bool(definition.required),
        ]
    }

    public init(context: AdminContext, fields: CustomFieldStore) {
        self.context = context
        self.fields = fields
    }
}
