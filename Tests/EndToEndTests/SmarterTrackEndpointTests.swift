import CRM
import CRMHubTesting
import HTTPServer
import JSON
import Testing
import XML

@Suite("SmarterTrack external providers: endpoint, WSDL, SOAP versions, faults, access and admin")
struct SmarterTrackEndpointTests {
    @Test("?WSDL describes the service at the request's Host; X-Forwarded-Proto counts only from a trusted proxy")
    func wsdl() async throws {
        try await SmarterTrackFixture.with(configure: { $0.trustedProxies = [CIDR("127.0.0.0/8")!] }) { fixture in
            let proxied = try await fixture.listener.server.request(
                "GET", fixture.path + "?wsdl", headers: [("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-Proto", "https")])
            let proxiedDocument = try XMLDocumentParser.parse(proxied.body)
            #expect(
                proxiedDocument.child("service")?.child("port")?.child("address")?.attribute("location")
                    == "https://localhost\(fixture.path)")
            // Without X-Forwarded-For nothing shows the header came through the proxy: it is not believed.
            let response = try await fixture.listener.server.request(
                "GET", fixture.path + "?WSDL", headers: [("X-Forwarded-Proto", "https")])
            #expect(response.status == 200 && response.header("Content-Type") == "text/xml; charset=utf-8")
            let document = try XMLDocumentParser.parse(response.body)
            let locations = document.child("service")?.children("port").compactMap { $0.children.first?.attribute("location") }
            #expect(locations == Array(repeating: "http://localhost\(fixture.path)", count: 2))
            #expect(document.children("portType").first?.children("operation").count == 7)
            let help = try await fixture.listener.server.request("GET", fixture.path)
            #expect(help.status == 200 && help.text.contains("?WSDL"))
            // The description depends on no org, so it is shown at any address (HelpdeskEnumerationTests).
            let unknown = try await fixture.listener.server.request(
                "GET", "/integrations/smartertrack/no-such-org/provider.asmx?wsdl")
            #expect(unknown.status == 200)
            try await fixture.listener.admin("PUT", "/integrations/smartertrack", ["enabled": false])
            #expect(try await fixture.listener.server.request("GET", fixture.path + "?wsdl").status == 200)
        }
    }

    @Test("SOAP 1.2 calls are answered in SOAP 1.2")
    func soap12() async throws {
        try await SmarterTrackFixture.with { fixture in
            let answer = try await fixture.call(
                "Authenticate", ["LoginUsername=myusername", "LoginPassword=mypassword"], soap12: true)
            #expect(answer.status == 200 && answer.response.header("Content-Type") == "application/soap+xml; charset=utf-8")
            #expect(answer.envelope?.namespaceURI == "http://www.w3.org/2003/05/soap-envelope")
            #expect(answer.success == true && answer.outputs.first == "Authentication=OK")
        }
    }

    @Test("malformed bodies get SOAP faults: 400 for text that is not XML, 500 for a bad envelope or an unknown method")
    func faults() async throws {
        try await SmarterTrackFixture.with { fixture in
            let notXML = try await fixture.post("AuthPW=x&LoginUsername=y", headers: [("Content-Type", "text/xml")])
            #expect(notXML.status == 400 && notXML.fault?.child("faultcode")?.text == "soap:Client")
            let unknown = try await fixture.post(
                SmarterTrackFixture.envelope("DropTables", ["AuthPW=\(SmarterTrackFixture.authPW)"]),
                headers: [("Content-Type", "text/xml")])
            #expect(unknown.status == 500 && unknown.fault?.child("faultstring")?.text.contains("DropTables") == true)
            let doctype = try await fixture.post(
                "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", headers: [("Content-Type", "text/xml")])
            #expect(doctype.status == 400)
            let noBody = try await fixture.post(
                "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"/>",
                headers: [("Content-Type", "application/soap+xml")])
            #expect(noBody.status == 500 && noBody.fault?.child("Code")?.child("Value")?.text == "soap:Sender")
            let action = try await fixture.post(
                SmarterTrackFixture.envelope("Authenticate", []),
                headers: [("Content-Type", "text/xml"), ("SOAPAction", "\"http://tempuri.org/StartTicket\"")])
            #expect(action.status == 500 && action.fault != nil)
        }
    }

    @Test("callers outside the IP allowlist get Permission Denied, as a wrong AuthPW does; a suspended org 403 once in")
    func access() async throws {
        try await SmarterTrackFixture.with(allowlist: ["203.0.113.0/24"]) { fixture in
            let refused = try await fixture.call("Authenticate", ["LoginUsername=myusername", "LoginPassword=mypassword"])
            #expect(refused.status == 200 && refused.success == false && refused.message == "Permission Denied")
            try await fixture.listener.admin(
                "PUT", "/integrations/smartertrack", ["enabled": true, "ip_allowlist": ["127.0.0.1"]])
            #expect(
                try await fixture.call("Authenticate", ["LoginUsername=myusername", "LoginPassword=mypassword"]).success == true)
            let suspended = try await fixture.listener.admin.call(
                "PATCH", "/admin/v1/orgs/\(fixture.listener.slug)", body: ["status": "suspended"])
            #expect(suspended.status == 200, "\(suspended.json)")
            #expect(
                try await fixture.call("Authenticate", ["LoginUsername=myusername", "LoginPassword=mypassword"]).status == 403)
        }
    }

    @Test("admin: portal logins (validation, unique names, password kept, 404s) and the rules document (field errors)")
    func admin() async throws {
        try await SmarterTrackFixture.with { fixture in
            let admin = fixture.listener.admin
            let base = "/admin/v1/orgs/\(fixture.listener.slug)"
            let shown = try await admin.call("GET", "\(base)/contacts/PID-1/portal-login")
            #expect(shown.status == 200 && shown.json["username"] == "myusername" && shown.json["status"] == "active")
            #expect(!shown.response.text.contains("pbkdf2") && !shown.response.text.contains("mypassword"))
            let bad = try await admin.call(
                "PUT", "\(base)/contacts/PID-1/portal-login",
                body: ["username": "", "password": "short", "status": "Bad Status", "x": 1])
            #expect(bad.status == 422)
            #expect(
                Set(bad.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == [
                    "username", "password", "status", "x",
                ])
            #expect(
                try await admin.call(
                    "PUT", "\(base)/contacts/PID-9/portal-login", body: ["username": "u", "password": "password1"]
                ).status == 404)
            let created = try await fixture.listener.send([
                ("add-contact", ["name": "Other", "emails": [["value": "other@example.com"]]])
            ])
            #expect(created.json["results"]?[0]?["records"]?[0]?["customerId"] == "PID-2")
            let noPassword = try await admin.call("PUT", "\(base)/contacts/PID-2/portal-login", body: ["username": "other"])
            #expect(noPassword.status == 422 && noPassword.json["errors"]?[0]?["field"] == "password")
            let taken = try await admin.call(
                "PUT", "\(base)/contacts/PID-2/portal-login", body: ["username": "MYUSERNAME", "password": "password2"])
            #expect(taken.status == 409)
            // Renaming keeps the password.
            let renamed = try await admin.call("PUT", "\(base)/contacts/PID-1/portal-login", body: ["username": "huy"])
            #expect(renamed.status == 200)
            #expect(
                try await fixture.call("Authenticate", ["LoginUsername=huy", "LoginPassword=mypassword"]).outputs.first
                    == "Authentication=OK")
            #expect(try await admin.call("DELETE", "\(base)/contacts/PID-1/portal-login").status == 204)
            #expect(try await admin.call("GET", "\(base)/contacts/PID-1/portal-login").status == 404)
            #expect(
                try await fixture.call("Authenticate", ["LoginUsername=huy", "LoginPassword=mypassword"]).outputs == [
                    "Authentication=FAIL"
                ])

            let defaults = try await admin.call("GET", "\(base)/integrations/smartertrack/rules")
            #expect(defaults.status == 200 && defaults.json["unknown_customer"]?["tickets"] == true)
            let invalid = try await admin.call(
                "PUT", "\(base)/integrations/smartertrack/rules",
                body: [
                    "statuses": ["Bad Status": ["tickets": "no"]], "custom_fields": [["location": "LATER"]], "colour": "red",
                ])
            #expect(invalid.status == 422)
            #expect(
                Set(invalid.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
                    == ["statuses.Bad Status", "statuses.Bad Status.tickets", "custom_fields[0].name", "colour"])
            let saved = try await admin.call(
                "PUT", "\(base)/integrations/smartertrack/rules", body: SmarterTrackProviderTests.rules)
            #expect(saved.status == 200 && saved.json["statuses"]?["suspended"]?["tickets"] == false)
            let read = try await admin.call("GET", "\(base)/integrations/smartertrack/rules")
            #expect(read.json == saved.json)
        }
    }
}
