import CRM
import HTTPServer
import JSON

/// Erasure that stays (issue 24, point 4), scope `admin`:
/// - `POST /admin/v1/orgs/{org}/customers/{customer}/erase` (`ErasureStore`), audited `customer.erase`;
/// - `POST /admin/v1/orgs/{org}/suppressions/lift` `{"kind": "email"|"phone"|"passport", "value": "…"}`, audited
///   `suppression.lift` with the kind only: audit rows never hold the erased values.
/// Suppressions are keyed with `CRMHUB_SECRET_KEY`; without it both answer 409.
public struct ErasureHandler: Sendable {
    public let context: AdminContext
    public let scope: OrgScope
    public let secrets: SecretBox?

    public func erase(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let box = try key()
        let text = request.parameters["customer"] ?? ""
        guard let code = CustomerCode(text) else { throw CRMError.notFound("customer '\(text)'") }
        let audit = context.auditEntry(request, principal, "customer.erase")
        let outcome = try await scope.withOrg(org.id) { connection in
            try ErasureStore.erase(connection, orgID: org.id, code: code, box: box, audit: audit)
        }
        return AdminJSON.response([
            "erased": .string(code.description), "suppressed": .number(Double(outcome.suppressed)),
            "requests_redacted": .number(Double(outcome.requestsRedacted)),
            "outbox_messages": .number(Double(outcome.outboxMessages)),
            "outbox_cancelled": .number(Double(outcome.outboxCancelled)),
        ])
    }

    public func lift(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let box = try key()
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["kind", "value"])
        let kind = reader.string("kind", required: true)
        let value = reader.string("value", required: true, maxLength: 500)
        var normalised: String?
        if let kind, let value {
            let rules: [String: (String) -> Result<String, Identity.Problem>] = [
                "email": Identity.emailKey, "phone": Identity.phoneKey, "passport": Identity.passportKey,
            ]
            if let rule = rules[kind] {
                switch rule(value) {
                case .success(let key): normalised = key
                case .failure(let problem): reader.errors.append(FieldError("value", problem.message))
                }
            } else {
                reader.errors.append(FieldError("kind", "must be one of email, phone, passport"))
            }
        }
        try reader.finish()
        let hash = SuppressionStore.hash(box, orgID: org.id, kind: kind!, value: normalised!)
        let audit = context.auditEntry(request, principal, "suppression.lift", details: ["kind": .string(kind!)]).target(
            "suppression")
        let lifted = try await scope.withOrg(org.id) { connection -> Bool in
            guard try SuppressionStore.lift(connection, orgID: org.id, hash: hash) else { return false }
            try AuditStore.insert(connection, orgID: org.id, entry: audit)
            return true
        }
        guard lifted else { throw CRMError.notFound("suppression of this \(kind!)") }
        return AdminJSON.response(["lifted": .bool(true), "kind": .string(kind!)])
    }

    func key() throws -> SecretBox {
        guard let secrets else {
            throw CRMError.conflict(
                FieldError(
                    "CRMHUB_SECRET_KEY",
                    "erasure keeps erased identities as keyed hashes: set CRMHUB_SECRET_KEY on the server first"))
        }
        return secrets
    }

    public init(context: AdminContext, scope: OrgScope, secrets: SecretBox?) {
        self.context = context
        self.scope = scope
        self.secrets = secrets
    }
}
