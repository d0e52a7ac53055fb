import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/catalogs/{kind}`: channels, tags, deal stages, categories, packages, currencies, SLAs.
public struct CatalogsHandler: Sendable {
    public let context: AdminContext
    public let catalogs: CatalogStore

    public static func kind(_ request: Request) throws -> CatalogStore.Kind {
        let name = request.parameters["kind"] ?? ""
        guard let kind = CatalogStore.Kind(pathName: name) else {
            throw CRMError.notFound(
                "catalog '\(name)' (known: \(CatalogStore.Kind.allCases.map(\.pathName).joined(separator: ", ")))")
        }
        return kind
    }

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let kind = try Self.kind(request)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "position"])
        let name = reader.string("name", required: true)
        let position = Self.position(&reader)
        try reader.finish()
        let item = try await catalogs.create(
            orgID: org.id, kind: kind, name: name!, position: position ?? 0,
            audit: context.auditEntry(
                request, principal, "catalog.create", details: ["catalog": .string(kind.pathName), "name": .string(name!)]))
        return AdminJSON.response(Self.representation(item), status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let items = try await catalogs.list(orgID: org.id, kind: try Self.kind(request))
        return AdminJSON.page(items.map(Self.representation), next: nil)
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let kind = try Self.kind(request)
        let id = try AdminContext.id(request, "item")
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "position"])
        let name = reader.string("name")
        if name == "" { reader.errors.append(FieldError("name", "must not be empty")) }
        let position = Self.position(&reader)
        try reader.finish()
        let item = try await catalogs.update(
            orgID: org.id, kind: kind, id: id, name: name, position: position,
            audit: context.auditEntry(request, principal, "catalog.update", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(item))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let kind = try Self.kind(request)
        let id = try AdminContext.id(request, "item")
        try await catalogs.delete(
            orgID: org.id, kind: kind, id: id,
            audit: context.auditEntry(request, principal, "catalog.delete", details: ["catalog": .string(kind.pathName)]))
        return Response(status: 204)
    }

    public static func position(_ reader: inout FieldReader) -> Int? {
        guard let value = reader.object["position"], !value.isNull else { return nil }
        guard let number = value.intValue, (0...1_000_000).contains(number) else {
            reader.errors.append(FieldError("position", "must be a whole number from 0 to 1000000"))
            return nil
        }
        return number
    }

    public static func representation(_ item: CatalogStore.Item) -> JSONValue {
        [
            "id": .string(String(item.id)), "catalog": .string(item.kind.pathName), "name": .string(item.name),
            "position": .number(Double(item.position)),
        ]
    }

    public init(context: AdminContext, catalogs: CatalogStore) {
        self.context = context
        self.catalogs = catalogs
    }
}
