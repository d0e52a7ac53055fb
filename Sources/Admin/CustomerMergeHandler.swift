import CRM
import HTTPServer
import JSON

/// `POST /admin/v1/orgs/{org}/customers/merge`: merges one customer into another of the same series
/// (`CustomerMergeStore`). Body: `{"survivor": "PID-1", "merged": "PID-2", "prefer_merged": ["name", …]}`.
/// Org and platform admins only (scope `admin`); audited as `customer.merge`.
public struct CustomerMergeHandler: Sendable {
    public let context: AdminContext
    public let scope: OrgScope

    public func merge(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["survivor", "merged", "prefer_merged"])
        let survivor = Self.code(&reader, "survivor")
        let merged = Self.code(&reader, "merged")
        var preferred: [String] = []
        if let value = reader.object["prefer_merged"], !value.isNull {
            if let items = value.arrayValue {
                for (index, item) in items.enumerated() {
                    guard let name = item.stringValue, CustomerMergeStore.fields.contains(name) else {
                        reader.errors.append(
                            FieldError(
                                "prefer_merged[\(index)]", "must be one of \(CustomerMergeStore.fields.joined(separator: ", "))"))
                        continue
                    }
                    if !preferred.contains(name) { preferred.append(name) }
                }
            } else {
                reader.errors.append(FieldError("prefer_merged", "must be an array of field names, not \(value.typeName)"))
            }
        }
        try reader.finish()
        let details: JSONValue = [
            "survivor": .string(survivor!.description), "merged": .string(merged!.description),
            "prefer_merged": .array(preferred.map(JSONValue.string)),
        ]
        let audit = context.auditEntry(request, principal, "customer.merge", details: details)
        let (actor, names, kept, gone) = (principal.actor, preferred, survivor!, merged!)
        let outcome = try await scope.withOrg(org.id) { connection in
            try CustomerMergeStore.merge(
                connection, orgID: org.id, survivor: kept, merged: gone, preferMerged: names, by: actor, audit: audit)
        }
        var moved = JSONObject()
        for (name, count) in outcome.moved.counts { moved[name] = .number(Double(count)) }
        return AdminJSON.response([
            "survivor": .string(outcome.survivor.code.description), "survivor_id": .string(String(outcome.survivor.id)),
            "merged": .string(outcome.merged.description), "prefer_merged": .array(preferred.map(JSONValue.string)),
            "moved": .object(moved),
        ])
    }

    /// A customer code (PID-n, LID-n, CID-n) at `key`; required.
    static func code(_ reader: inout FieldReader, _ key: String) -> CustomerCode? {
        guard let text = reader.string(key, required: true, maxLength: 50) else { return nil }
        guard let code = CustomerCode(text) else {
            reader.errors.append(FieldError(key, "'\(text)' is not a customer code (PID-n, LID-n or CID-n)"))
            return nil
        }
        return code
    }

    public init(context: AdminContext, scope: OrgScope) {
        self.context = context
        self.scope = scope
    }
}
