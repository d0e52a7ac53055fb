import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/audit`: every admin change, newest first.
public struct AuditHandler: Sendable {
    public let context: AdminContext

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .admin)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let records = try await context.audit.list(orgID: org.id, before: cursor, limit: limit)
        return AdminJSON.page(records, limit: limit, id: \.id, AdminRepresentation.audit)
    }

    /// `/admin/v1/audit`: platform-wide changes (platform tokens), for platform administrators.
    public func listPlatform(_ request: Request) async throws -> Response {
        try await context.authenticator.authenticate(request).requirePlatform()
        let (cursor, limit) = try AdminJSON.pagination(request)
        let records = try await context.audit.listPlatform(before: cursor, limit: limit)
        return AdminJSON.page(records, limit: limit, id: \.id, AdminRepresentation.audit)
    }

    public init(context: AdminContext) {
        self.context = context
    }
}
