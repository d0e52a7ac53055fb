import Admin
import CRM
import HTTPServer
import JSON

/// Runs a request through a listener without keeping anything (`ListenerIngestion.testCall`, a dry run).
public typealias ListenerTestRun =
    @Sendable (_ orgID: Int64, _ listenerID: Int64, _ body: [UInt8], _ requestID: String) async throws
    -> ListenerIngestion.Reply?

/// `POST /admin/v1/orgs/{org}/listeners/{listener}/test`: sends a request — the body given under `request`, or the
/// document's add-contact sample (crm-listener-webhook.txt §2.2.1) from the org's first active user — through the
/// listener's full path (envelope, sender, validation, matching, dedup) in a transaction that is rolled back, and
/// shows the status and answer the listener would give. Nothing is written.
public struct ListenerTestHandler: Sendable {
    public let context: AdminContext
    public let run: ListenerTestRun

    public func test(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .write)
        let id = try AdminContext.id(request, "listener")
        var reader = FieldReader(request.body.isEmpty ? JSONObject() : try AdminJSON.object(request))
        reader.allowOnly(["request"])
        let given = reader.object["request"]
        if let given, given.objectValue == nil {
            reader.errors.append(FieldError("request", "must be a listener request object"))
        }
        try reader.finish()
        var sample = given ?? Self.sample
        if given == nil, var object = sample.objectValue {
            let users = try await context.users.list(orgID: org.id, after: 0, limit: 50)
            guard let sender = users.first(where: { $0.active }) else {
                throw CRMError.invalid([FieldError("request", "the org has no active user to send the sample as; give a request")]
                )
            }
            object["senderUser"] = .string(sender.email)
            sample = .object(object)
        }
        let body = JSONWriter.bytes(sample)
        try await context.audit.record(
            orgID: org.id, context.auditEntry(request, principal, "listener.test").target("listener:\(id)"))
        guard let reply = try await run(org.id, id, body, request.requestID) else { throw CRMError.notFound("listener \(id)") }
        let answer = (try? JSONParser.parse(reply.body)) ?? .string(String(decoding: reply.body, as: UTF8.self))
        return AdminJSON.response([
            "dry_run": true, "status": .number(Double(reply.status)), "response": answer, "request": sample,
        ])
    }

    /// The document's add-contact sample (Tests/ListenerTests/Fixtures/add-contact.json, shortened).
    static let sample: JSONValue = [
        "senderUser": "huy.nguyenviet@htklabs.com",
        "data": [
            [
                "actionType": "add-contact",
                "data": [
                    "contactType": "customer", "type": 0, "name": "Huy", "lastname": "Nguyen", "title": "This is title",
                    "passport": "1945295865", "gender": 1, "bgInfo": "Thành viên AntBuddy", "dateOfBirth": "1993-01-01",
                    "emails": [["value": "huy.nguyen@htklabs.com"]], "phones": [["value": "01234567890"]],
                    "addresses": [
                        ["street": "58 Ton That Dam", "city": "Da Nang", "state": "Thanh Khe", "zip": "5100000", "country": "VN"]
                    ],
                    "websites": [["value": "htk-inc.com"]],
                ],
            ]
        ],
    ]

    public init(context: AdminContext, run: @escaping ListenerTestRun) {
        self.context = context
        self.run = run
    }
}
