import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/support-groups`: the CIOPulse support groups that `GET /api/v5/support_groups` shows,
/// addressed by their system id. They name contacts by the contacts' system ids.
public struct SupportGroupsHandler: Sendable {
    public let context: AdminContext
    public let groups: SupportGroupStore

    public static let fields: Set<String> = Set(
        ["system_id", "name", "code", "department_code", "department_system_id", "active", "ccs_only", "exclude_from_nps"]
            + SupportGroup.Slot.allCases.map(\.field))

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        let changes = Self.changes(&reader, creating: true)
        try reader.finish()
        let group = try await groups.create(
            orgID: org.id, changes: changes,
            audit: context.auditEntry(request, principal, "support_group.create", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(group), status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let items = try await groups.list(orgID: org.id, after: cursor, limit: limit)
        return AdminJSON.page(items, limit: limit, id: \.id, Self.representation)
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let systemID = request.parameters["support_group"] ?? ""
        guard let group = try await groups.find(orgID: org.id, systemID: systemID) else {
            throw CRMError.notFound("support group '\(systemID)'")
        }
        return AdminJSON.response(Self.representation(group))
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let systemID = request.parameters["support_group"] ?? ""
        var reader = FieldReader(try AdminJSON.object(request))
        let changes = Self.changes(&reader, creating: false)
        try reader.finish()
        let group = try await groups.update(
            orgID: org.id, systemID: systemID, changes: changes,
            audit: context.auditEntry(request, principal, "support_group.update", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(group))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let systemID = request.parameters["support_group"] ?? ""
        try await groups.delete(
            orgID: org.id, systemID: systemID, audit: context.auditEntry(request, principal, "support_group.delete"))
        return Response(status: 204)
    }

    /// The fields a body sets. On create, system_id and name are required; on update every field is optional, and
    /// null clears code, department_code, department_system_id and the contacts.
    public static func changes(_ reader: inout FieldReader, creating: Bool) -> SupportGroup.Changes {
        reader.allowOnly(fields)
        var changes = SupportGroup.Changes()
        for key in ["system_id", "name", "active", "ccs_only", "exclude_from_nps"]
        where !creating && reader.object[key]?.isNull == true {
            reader.errors.append(FieldError(key, "cannot be null"))
        }
        changes.systemID = reader.string("system_id", required: creating)
        changes.name = reader.string("name", required: creating)
        if !creating {
            if changes.systemID == "" { reader.errors.append(FieldError("system_id", "must not be empty")) }
            if changes.name == "" { reader.errors.append(FieldError("name", "must not be empty")) }
        }
        changes.code = optional(&reader, "code", maxLength: 50)
        changes.departmentCode = optional(&reader, "department_code", maxLength: 50)
        changes.departmentSystemID = optional(&reader, "department_system_id", maxLength: 200)
        for slot in SupportGroup.Slot.allCases {
            // updateValue: a null (clear) must be stored as an entry, not remove one.
            if let systemID = optional(&reader, slot.field, maxLength: 200) {
                changes.contacts.updateValue(systemID, forKey: slot)
            }
        }
        changes.active = reader.bool("active")
        changes.ccsOnly = reader.bool("ccs_only")
        changes.excludeFromNPS = reader.bool("exclude_from_nps")
        return changes
    }

    /// nil when absent, `.some(nil)` for null, else the string.
    public static func optional(_ reader: inout FieldReader, _ key: String, maxLength: Int) -> String?? {
        guard let value = reader.object[key] else { return nil }
        if value.isNull { return .some(nil) }
        guard let text = reader.string(key, maxLength: maxLength) else { return nil }
        if text.isEmpty {
            reader.errors.append(FieldError(key, "must not be empty (null removes it)"))
            return nil
        }
        return .some(text)
    }

    public static func representation(_ group: SupportGroup) -> JSONValue {
        var object: JSONObject = [
            "system_id": .string(group.systemID), "name": .string(group.name), "code": text(group.code),
            "department_code": text(group.departmentCode), "department_system_id": text(group.departmentSystemID),
        ]
        for slot in SupportGroup.Slot.allCases {
            object[slot.field] = text(group.member(slot)?.systemID)
            object[slot.field.replacingSuffix("_system_id", with: "_email")] = text(group.member(slot)?.email)
        }
        object["active"] = .bool(group.active)
        object["ccs_only"] = .bool(group.ccsOnly)
        object["exclude_from_nps"] = .bool(group.excludeFromNPS)
        object["created_at"] = .string(group.createdAt)
        object["updated_at"] = .string(group.updatedAt)
        return .object(object)
    }

    public static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    public init(context: AdminContext, groups: SupportGroupStore) {
        self.context = context
        self.groups = groups
    }
}

/// `PUT /admin/v1/orgs/{org}/contacts/{contact}/system-id`: gives a contact (by its code, PID-n) the system id
/// that makes it a CIOPulse contact, e.g. one a listener created.
public struct ContactSystemIDHandler: Sendable {
    public let context: AdminContext
    public let scope: OrgScope

    public func assign(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .write)
        let text = request.parameters["contact"] ?? ""
        guard let code = CustomerCode(text), code.series == .contact else { throw CRMError.notFound("contact '\(text)'") }
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["system_id"])
        let systemID = reader.string("system_id", required: true)
        if let systemID, !CIOPulseContact.isSystemID(systemID) {
            reader.errors.append(FieldError("system_id", "must be 1 to 200 characters, without the NUL character"))
        }
        try reader.finish()
        try await CIOPulseContactStore.assignSystemID(
            scope: scope, orgID: org.id, code: code, systemID: systemID!,
            audit: context.auditEntry(request, principal, "contact.system_id", details: ["system_id": .string(systemID!)]))
        return AdminJSON.response(["customer_code": .string(code.description), "system_id": .string(systemID!)])
    }

    public init(context: AdminContext, scope: OrgScope) {
        self.context = context
        self.scope = scope
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
