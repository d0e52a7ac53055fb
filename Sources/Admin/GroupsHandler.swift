import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/groups`: named groups of users, name unique per org.
public struct GroupsHandler: Sendable {
    public let context: AdminContext
    public let groups: GroupStore

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "members"])
        let name = reader.string("name", required: true)
        let members = Self.members(&reader) ?? []
        try reader.finish()
        let group = try await groups.create(
            orgID: org.id, name: name!, memberIDs: members,
            audit: context.auditEntry(request, principal, "group.create", details: ["name": .string(name!)]))
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
        let id = try AdminContext.id(request, "group")
        guard let group = try await groups.find(orgID: org.id, id: id) else { throw CRMError.notFound("group \(id)") }
        return AdminJSON.response(Self.representation(group))
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "group")
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "members"])
        let name = reader.string("name")
        if name == "" { reader.errors.append(FieldError("name", "must not be empty")) }
        let members = Self.members(&reader)
        try reader.finish()
        let group = try await groups.update(
            orgID: org.id, id: id, name: name, memberIDs: members,
            audit: context.auditEntry(request, principal, "group.update", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(group))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "group")
        try await groups.delete(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "group.delete"))
        return Response(status: 204)
    }

    /// `members`: user ids as strings (the API's id format) or numbers; nil when absent.
    public static func members(_ reader: inout FieldReader) -> [Int64]? {
        guard let value = reader.object["members"], !value.isNull else { return nil }
        guard let list = value.arrayValue else {
            reader.errors.append(FieldError("members", "must be an array of user ids"))
            return nil
        }
        var ids: [Int64] = []
        for (index, element) in list.enumerated() {
            if let text = element.stringValue, let id = Int64(text), id > 0 {
                ids.append(id)
            } else if let number = element.intValue, number > 0 {
                ids.append(Int64(number))
            } else {
                reader.errors.append(FieldError("members[\(index)]", "is not a user id"))
            }
        }
        return ids
    }

    public static func representation(_ group: GroupStore.Group) -> JSONValue {
        [
            "id": .string(String(group.id)), "name": .string(group.name),
            "members": .array(group.memberIDs.map { .string(String($0)) }),
        ]
    }

    public init(context: AdminContext, groups: GroupStore) {
        self.context = context
        self.groups = groups
    }
}
