import CRM
import HTTPServer
import JSON

/// `GET /admin/v1/orgs/{org}/customers/{customer}/export`: everything CRMHub stores about one person as one JSON
/// document (subject access; `SubjectAccessStore`). Scope `admin`; the export is audited (`customer.export`), as a
/// disclosure of personal data.
public struct SubjectAccessHandler: Sendable {
    public let context: AdminContext
    public let scope: OrgScope
    /// The most recent logged requests whose excerpts the document carries.
    public static let requestLimit = 200

    public func export(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let text = request.parameters["customer"] ?? ""
        guard let code = CustomerCode(text) else { throw CRMError.notFound("customer '\(text)'") }
        let found = try await scope.withOrg(org.id) {
            connection -> (JSONValue, [(id: Int64, receivedAt: String, listenerID: Int64, status: Int, body: [UInt8])])? in
            guard let (id, document) = try SubjectAccessStore.document(connection, orgID: org.id, code: code) else { return nil }
            return (
                document,
                try SubjectAccessStore.requestBodies(connection, orgID: org.id, customerID: id, limit: Self.requestLimit)
            )
        }
        guard let (document, requests) = found, var object = document.objectValue else {
            throw CRMError.notFound("customer \(code)")
        }
        try await context.audit.record(
            orgID: org.id, context.auditEntry(request, principal, "customer.export").target("customer:\(code)"))
        let needles = Self.needles(object, code: code)
        object["listener_requests"] = .array(
            requests.map { logged in
                [
                    "id": .string(String(logged.id)), "received_at": .string(logged.receivedAt),
                    "listener_id": .string(String(logged.listenerID)), "status": .number(Double(logged.status)),
                    "items": .array(Self.excerpt(logged.body, needles: needles)),
                ]
            })
        object["requested_code"] = .string(code.description)
        return AdminJSON.response(.object(object))
    }

    /// The lower-cased texts that mark a request item as about this person: its codes and identity values.
    static func needles(_ object: JSONObject, code: CustomerCode) -> [String] {
        var needles = [code.description.lowercased()]
        if let own = object["customer"]?["code"]?.doubleValue, let series = object["customer"]?["kind"]?.stringValue,
            let kind = CustomerSeries(rawValue: series)
        {
            needles.append(CustomerCode(series: kind, number: Int64(own)).description.lowercased())
        }
        for identity in object["identities"]?.arrayValue ?? [] {
            if let value = identity["value"]?.stringValue, value.count >= 3 { needles.append(value.lowercased()) }
        }
        for point in (object["customer"]?["emails"]?.arrayValue ?? []) + (object["customer"]?["phones"]?.arrayValue ?? []) {
            if let value = point["value"]?.stringValue, value.count >= 3 { needles.append(value.lowercased()) }
        }
        return needles
    }

    /// The items of a logged listener body that mention the person (`{index, actionType, data}`); none when the
    /// body is not a listener envelope.
    static func excerpt(_ body: [UInt8], needles: [String]) -> [JSONValue] {
        guard let items = (try? JSONParser.parse(body))?["data"]?.arrayValue else { return [] }
        var excerpts: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let text = JSONWriter.string(item).lowercased()
            guard needles.contains(where: { text.contains($0) }) else { continue }
            excerpts.append([
                "index": .number(Double(index)), "actionType": item["actionType"] ?? .null, "data": item["data"] ?? .null,
            ])
        }
        return excerpts
    }

    public init(context: AdminContext, scope: OrgScope) {
        self.context = context
        self.scope = scope
    }
}
