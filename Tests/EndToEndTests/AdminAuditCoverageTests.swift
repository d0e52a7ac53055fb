import CRM
import CRMHubTesting
import JSON
import Testing

/// Issue 18, point 3: every state-changing admin route, replays and delivery tests included, leaves an audit row that
/// names the credential that called it (kind, id and name), never a secret. The test walks the router's own table,
/// so a new admin route that is not called here fails it.
@Suite("admin API: every write is audited with its credential")
struct AdminAuditCoverageTests {
    /// One call of the walk: the route it exercises, the concrete path and body, and the credential used.
    struct Step {
        let method: String
        let pattern: String
        let path: String
        var body: JSONValue?
        var platform = false
    }

    @Test("every non-GET admin route leaves an audit row naming the actual token or key (a walk over the route table)")
    func everyWriteIsAudited() async throws {
        // A secret key, so that the webhook endpoint and listener signing secrets can be stored.
        try await ListenerFixture.with(configure: { $0.secretKey = String(repeating: "7e", count: 32) }) { listener in
            try await walk(listener)
        }
    }

    func walk(_ listener: ListenerFixture) async throws {
        let admin = listener.admin
        let slug = listener.slug
        let org = "/admin/v1/orgs/\(slug)"
        // The credentials that act: a named platform token and a named org key with the admin scope.
        let platformToken = try await PlatformTokenStore(scope: OrgScope(database: admin.server.database))
            .create(name: "walker", audit: .system("tests", "platform_token.create"))
        let tokens = try await admin.call("GET", "/admin/v1/platform-tokens")
        let platformID =
            tokens.json["items"]?.arrayValue?.first { $0["name"]?.stringValue == "walker" }?["id"]?.stringValue ?? "?"
        let keyCreated = try await admin.call("POST", "\(org)/api-keys", body: ["name": "org-walker", "scopes": ["admin"]])
        let orgKey = keyCreated.json["key"]?.stringValue ?? ""
        let orgKeyID = keyCreated.json["id"]?.stringValue ?? "?"
        let sent = try await listener.send([("add-contact", ["name": "Huy", "emails": [["value": "huy.audit@htklabs.com"]]])])
        let contact = sent.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue ?? "PID-?"
        let logged = try await admin.call("GET", "\(org)/listener-requests")
        let requestID = logged.json["items"]?[0]?["id"]?.stringValue ?? "?"

        var walked: Set<String> = []
        /// Calls `step`, expects success, and checks the newest audit row is this request's and names the credential.
        func run(_ step: Step, auditIn auditPath: String? = nil) async throws -> JSONValue {
            let token = step.platform ? platformToken.text : orgKey
            let actor = step.platform ? "platform_token:\(platformID) (walker)" : "api_key:\(orgKeyID) (org-walker)"
            let result = try await admin.call(step.method, step.path, token: token, body: step.body)
            #expect((200..<300).contains(result.status), "\(step.method) \(step.path): \(result.status) \(result.json)")
            let log = try await admin.call(
                "GET",
                (auditPath ?? (step.platform && !step.path.hasPrefix(org) ? "/admin/v1/audit" : "\(org)/audit")) + "?limit=1")
            let newest = log.json["items"]?[0]
            let label = "\(step.method) \(step.pattern)"
            #expect(
                newest?["request_id"]?.stringValue == result.response.header("X-Request-Id"),
                "\(label): no audit row: \(log.json)")
            #expect(newest?["actor"]?.stringValue == actor, "\(label): \(newest ?? .null)")
            #expect(
                !log.response.text.contains(platformToken.secret) && !log.response.text.contains(orgKey),
                "\(label) logged a secret")
            walked.insert(label)
            return result.json
        }
        func step(_ method: String, _ pattern: String, _ path: String, _ body: JSONValue? = nil, platform: Bool = false) -> Step {
            Step(method: method, pattern: pattern, path: path, body: body, platform: platform)
        }

        // Platform routes.
        let made = try await run(
            step("POST", "/admin/v1/platform-tokens", "/admin/v1/platform-tokens", ["name": "temporary"], platform: true))
        _ = try await run(
            step(
                "DELETE", "/admin/v1/platform-tokens/{token}", "/admin/v1/platform-tokens/\(made["id"]?.stringValue ?? "?")",
                platform: true))
        let newSlug = "walk-\(RandomText.base62(count: 8).lowercased())"
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs", "/admin/v1/orgs",
                [
                    "slug": .string(newSlug), "name": "Walk", "timezone": "UTC", "owner": ["email": "owner@walk.example"],
                ], platform: true), auditIn: "/admin/v1/orgs/\(newSlug)/audit")
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}", org, ["name": "Renamed"], platform: true))

        // Org routes, with the org key.
        let user = try await run(step("POST", "/admin/v1/orgs/{org}/users", "\(org)/users", ["email": "walk@htklabs.com"]))
        let userPath = "\(org)/users/\(user["id"]?.stringValue ?? "?")"
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}/users/{user}", userPath, ["display_name": "Walker"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/users/{user}", userPath))
        let group = try await run(step("POST", "/admin/v1/orgs/{org}/groups", "\(org)/groups", ["name": "Walkers"]))
        let groupPath = "\(org)/groups/\(group["id"]?.stringValue ?? "?")"
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}/groups/{group}", groupPath, ["name": "Runners"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/groups/{group}", groupPath))
        let key = try await run(
            step("POST", "/admin/v1/orgs/{org}/api-keys", "\(org)/api-keys", ["name": "spare", "scopes": ["read"]]))
        _ = try await run(
            step("DELETE", "/admin/v1/orgs/{org}/api-keys/{key}", "\(org)/api-keys/\(key["id"]?.stringValue ?? "?")"))
        let made2 = try await run(step("POST", "/admin/v1/orgs/{org}/listeners", "\(org)/listeners", ["name": "Walk form"]))
        let listenerPath = "\(org)/listeners/\(made2["id"]?.stringValue ?? "?")"
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}/listeners/{listener}", listenerPath, ["name": "Walk form 2"]))
        _ = try await run(step("POST", "/admin/v1/orgs/{org}/listeners/{listener}/rotate-token", "\(listenerPath)/rotate-token"))
        _ = try await run(
            step("POST", "/admin/v1/orgs/{org}/listeners/{listener}/signing-secret", "\(listenerPath)/signing-secret"))
        _ = try await run(
            step("DELETE", "/admin/v1/orgs/{org}/listeners/{listener}/signing-secret", "\(listenerPath)/signing-secret"))
        _ = try await run(step("POST", "/admin/v1/orgs/{org}/listeners/{listener}/test", "\(listenerPath)/test"))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/listener-limits", "\(org)/listener-limits", ["requests_per_minute": 1000],
                platform: true))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/listeners/{listener}", listenerPath))
        let endpoint = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/webhook-endpoints", "\(org)/webhook-endpoints",
                ["url": "https://hooks.example.com/crm"]))
        let endpointPath = "\(org)/webhook-endpoints/\(endpoint["id"]?.stringValue ?? "?")"
        _ = try await run(
            step("PATCH", "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}", endpointPath, ["description": "walked"]))
        _ = try await run(
            step("POST", "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}/rotate-secret", "\(endpointPath)/rotate-secret"))
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}/replay", "\(endpointPath)/replay",
                ["since": "2026-01-01T00:00:00Z"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}", endpointPath))
        let failed = try await admin.server.database.platformQuery(
            """
            INSERT INTO outbox (org_id, channel, reason, recipient, body, status)
            VALUES (\(listener.orgID), 'sms', 'send-sms', '+84905123456', 'walk', 'failed') RETURNING id
            """
        ).rows[0].decode(0, as: Int64.self)
        _ = try await run(step("POST", "/admin/v1/orgs/{org}/outbox/{message}/retry", "\(org)/outbox/\(failed)/retry"))
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/listener-requests/{request}/replay", "\(org)/listener-requests/\(requestID)/replay")
        )
        let tag = try await run(step("POST", "/admin/v1/orgs/{org}/catalogs/{kind}", "\(org)/catalogs/tags", ["name": "walked"]))
        let tagPath = "\(org)/catalogs/tags/\(tag["id"]?.stringValue ?? "?")"
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}/catalogs/{kind}/{item}", tagPath, ["name": "walked-2"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/catalogs/{kind}/{item}", tagPath))
        let field = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/custom-fields", "\(org)/custom-fields",
                ["entity": "contact", "name": "Walk Field", "type": "text"]))
        let fieldPath = "\(org)/custom-fields/\(field["id"]?.stringValue ?? "?")"
        _ = try await run(step("PATCH", "/admin/v1/orgs/{org}/custom-fields/{field}", fieldPath, ["name": "Walk Field 2"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/custom-fields/{field}", fieldPath))
        _ = try await run(
            step("PUT", "/admin/v1/orgs/{org}/ciopulse", "\(org)/ciopulse", ["portal_code": "WALK1", "ip_allowlist": []]))
        let portalKey = try await run(step("POST", "/admin/v1/orgs/{org}/ciopulse/api-keys", "\(org)/ciopulse/api-keys"))
        _ = try await run(
            step(
                "DELETE", "/admin/v1/orgs/{org}/ciopulse/api-keys/{key}",
                "\(org)/ciopulse/api-keys/\(portalKey["id"]?.stringValue ?? "?")"))
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/support-groups", "\(org)/support-groups", ["system_id": "W1", "name": "Walk team"]))
        _ = try await run(
            step(
                "PATCH", "/admin/v1/orgs/{org}/support-groups/{support_group}", "\(org)/support-groups/W1",
                ["name": "Walk team 2"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/support-groups/{support_group}", "\(org)/support-groups/W1"))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/contacts/{contact}/system-id", "\(org)/contacts/\(contact)/system-id",
                ["system_id": "AGENT-W"]))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/integrations/{kind}", "\(org)/integrations/spicecsm",
                ["enabled": true, "username": "spice", "password": "a-long-secret"]))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/integrations/smartertrack/rules", "\(org)/integrations/smartertrack/rules",
                ["unknown_customer": ["tickets": true, "chats": false]]))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/contacts/{contact}/portal-login", "\(org)/contacts/\(contact)/portal-login",
                ["username": "walker", "password": "walker-password"]))
        _ = try await run(
            step("DELETE", "/admin/v1/orgs/{org}/contacts/{contact}/portal-login", "\(org)/contacts/\(contact)/portal-login"))
        let other = try await listener.send([("add-contact", ["name": "Huy 2", "emails": [["value": "huy.audit2@htklabs.com"]]])])
        let otherCode = other.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue ?? "PID-?"
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/customers/merge", "\(org)/customers/merge",
                ["survivor": .string(contact), "merged": .string(otherCode)]))
        let third = try await listener.send([("add-contact", ["name": "Huy 3", "emails": [["value": "huy.audit3@htklabs.com"]]])])
        let thirdCode = third.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue ?? "PID-?"
        _ = try await run(step("POST", "/admin/v1/orgs/{org}/customers/{customer}/erase", "\(org)/customers/\(thirdCode)/erase"))
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/suppressions/lift", "\(org)/suppressions/lift",
                ["kind": "email", "value": "huy.audit3@htklabs.com"]))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/matching-settings", "\(org)/matching-settings",
                ["deduplicate": ["email", "phone"], "leads_and_contacts_together": true]))
        // A test message with no settings: nothing is sent, but the call is audited.
        _ = try await run(
            step(
                "POST", "/admin/v1/orgs/{org}/delivery/test", "\(org)/delivery/test", ["channel": "email", "to": "an@example.vn"])
        )
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/delivery/smtp", "\(org)/delivery/smtp",
                ["host": "smtp.example.com", "from_address": "crm@htk.vn"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/delivery/smtp", "\(org)/delivery/smtp"))
        _ = try await run(
            step(
                "PUT", "/admin/v1/orgs/{org}/delivery/sms", "\(org)/delivery/sms",
                ["url": "https://sms.example.com/send", "body_template": "{text}"]))
        _ = try await run(step("DELETE", "/admin/v1/orgs/{org}/delivery/sms", "\(org)/delivery/sms"))

        let writes = Set(
            admin.server.application.routeTable.filter {
                $0.pattern.hasPrefix("/admin/") && $0.method != "GET" && $0.method != "HEAD"
            }
            .map { "\($0.method) \($0.pattern)" })
        #expect(writes.subtracting(walked).sorted() == [], "admin write routes the walk does not call")
        #expect(walked.subtracting(writes).sorted() == [], "walked routes that are not in the table")
    }
}
