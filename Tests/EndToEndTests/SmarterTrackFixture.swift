import App
import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing
import XML

/// A running server with an org whose SmarterTrack provider is enabled (through the admin API), a contact from the
/// listener document's add-contact sample with two custom fields, and that contact's portal login "myusername" /
/// "mypassword" (the provider document's sample credentials).
struct SmarterTrackFixture {
    static let authPW = "st-web-service-pass"
    static let email = "huy.nguyen@htklabs.com"

    let listener: ListenerFixture

    var orgID: Int64 { listener.orgID }
    var path: String { "/integrations/smartertrack/\(listener.slug)/provider.asmx" }

    /// Runs `body` with the provider set up as described above; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(
        rules: JSONValue? = nil, allowlist: [String] = [], name: String = "Huy",
        configure: @Sendable (inout Configuration) -> Void = { _ in }, _ body: (SmarterTrackFixture) async throws -> Result
    ) async throws -> Result {
        try await ListenerFixture.with(configure: configure) { listener in
            try await body(try await make(listener, rules: rules, allowlist: allowlist, name: name))
        }
    }

    private static func make(
        _ listener: ListenerFixture, rules: JSONValue?, allowlist: [String], name: String
    )
        async throws -> SmarterTrackFixture
    {
        try await listener.addCustomField("contact", "Plan Type")
        try await listener.addCustomField("contact", "Billing ID")
        let created = try await listener.send([
            (
                "add-contact",
                [
                    "name": .string(name), "lastname": "Nguyen", "title": "This is title", "emails": [["value": .string(email)]],
                    "phones": [["value": "01234567890"]],
                    "cusFields": [
                        ["name": "Plan Type", "value": "ASP.NET Semi-dedicated"], ["name": "Billing ID", "value": "4126"],
                    ],
                ]
            )
        ])
        try #require(created.json["results"]?[0]?["records"]?[0]?["customerId"] == "PID-1", "\(created.json)")
        try await listener.admin("PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "password": "mypassword"])
        try await listener.admin(
            "PUT", "/integrations/smartertrack",
            [
                "enabled": true, "password": .string(authPW), "ip_allowlist": .array(allowlist.map(JSONValue.string)),
            ])
        if let rules { try await listener.admin("PUT", "/integrations/smartertrack/rules", rules) }
        return SmarterTrackFixture(listener: listener)
    }

    /// The answer to one call: the HTTP exchange, and the `<MethodResult>` element with its output variables.
    struct Answer {
        let response: RawResponse
        let envelope: XMLElement?
        let result: XMLElement?

        var status: Int { response.status }
        var success: Bool? { result?.child("Success").map { $0.text == "true" } }
        var message: String? { result?.child("Message")?.text }
        var outputs: [String] { result?.child("OutputVariables")?.children("string").map(\.text) ?? [] }
        var fault: XMLElement? { envelope?.child("Body")?.child("Fault") }
    }

    /// A call as an ASMX client sends it: document/literal wrapped, SOAPAction (1.1) or action in the Content-Type (1.2).
    func call(
        _ method: String, _ inputs: [String], authPW: String? = SmarterTrackFixture.authPW, soap12: Bool = false,
        headers: [(String, String)] = []
    ) async throws -> Answer {
        let all = (authPW.map { ["AuthPW=\($0)"] } ?? []) + inputs
        let body = Self.envelope(method, all, soap12: soap12)
        let action = "http://tempuri.org/\(method)"
        let fields =
            soap12
            ? [("Content-Type", "application/soap+xml; charset=utf-8; action=\"\(action)\"")]
            : [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(action)\"")]
        return try await post(body, headers: fields + headers, method: method)
    }

    func post(_ body: String, headers: [(String, String)], method: String = "") async throws -> Answer {
        let response = try await listener.server.request("POST", path, headers: headers, body: body)
        let envelope = try? XMLDocumentParser.parse(response.body)
        return Answer(
            response: response, envelope: envelope,
            result: envelope?.child("Body")?.child("\(method)Response")?.child("\(method)Result"))
    }

    static func envelope(_ method: String, _ inputs: [String], soap12: Bool = false) -> String {
        let namespace = soap12 ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/"
        let strings = inputs.map { "<string>\(XMLEscaping.escape($0))</string>" }.joined()
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
            xmlns:soap="\(namespace)"><soap:Body><\(method) xmlns="http://tempuri.org/"><inputs><InputVariables>\(strings)\
            </InputVariables></inputs></\(method)></soap:Body></soap:Envelope>
            """
    }

    func rows(_ query: Query) async throws -> [Row] { try await listener.rows(query) }
    func count(_ query: Query) async throws -> Int { try await listener.count(query) }
}
