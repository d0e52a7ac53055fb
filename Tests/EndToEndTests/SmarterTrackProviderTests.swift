import CRM
import CRMHubTesting
import HTTPServer
import JSON
import Testing
import XML

@Suite("SmarterTrack external providers: the seven methods")
struct SmarterTrackProviderTests {
    static let rules: JSONValue = [
        "statuses": [
            "suspended": ["tickets": false, "chats": false, "message": "Your account is suspended."],
            "vip": ["ticket_department": "Priority Support", "ticket_group": "VIP", "chat_department": "Priority Chat"],
        ],
        "unknown_customer": ["tickets": true, "chats": false],
        "custom_fields": [
            [
                "name": "Type of Issue", "departments": ["Support Department"], "location": "PRE",
                "list_options": ["Web site issues", "Email issues"], "required": true, "visible": true,
            ]
        ],
        "output_custom_fields": ["Billing ID", "Plan Type"],
    ]

    @Test("Authenticate: the stored login answers OK with email, display name and cf_ fields; wrong or unknown FAIL")
    func authenticate() async throws {
        try await SmarterTrackFixture.with { fixture in
            let ok = try await fixture.call("Authenticate", ["LoginUsername=MyUserName", "LoginPassword=mypassword"])
            #expect(ok.status == 200 && ok.response.header("Content-Type") == "text/xml; charset=utf-8")
            #expect(ok.success == true && ok.message == "Login Successful")
            #expect(
                ok.outputs == [
                    "Authentication=OK", "EmailAddress=huy.nguyen@htklabs.com", "DisplayName=Huy Nguyen",
                    "cf_Plan Type=ASP.NET Semi-dedicated", "cf_Billing ID=4126",
                ])
            for inputs in [
                ["LoginUsername=myusername", "LoginPassword=MYPASSWORD"], ["LoginUsername=nobody", "LoginPassword=mypassword"],
            ] {
                let failed = try await fixture.call("Authenticate", inputs)
                #expect(failed.success == true && failed.message == "Login Failure" && failed.outputs == ["Authentication=FAIL"])
            }
            let missing = try await fixture.call("Authenticate", ["LoginUsername=myusername"])
            #expect(missing.success == false && missing.message == "Required Input Missing" && missing.outputs.isEmpty)
            try await fixture.listener.admin(
                "PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "status": "disabled"])
            let disabled = try await fixture.call("Authenticate", ["LoginUsername=myusername", "LoginPassword=mypassword"])
            #expect(disabled.outputs == ["Authentication=FAIL"])
        }
    }

    @Test("a wrong or missing AuthPW gets Success=false, \"Permission Denied\", for every method")
    func permissionDenied() async throws {
        try await SmarterTrackFixture.with { fixture in
            for method in [
                "Authenticate", "GetSignInCookieInfo", "GetCustomFieldOptions", "StartTicket", "StartChat", "GetUserDetails",
                "NotifyEventFired",
            ] {
                for authPW in ["wrong-password", nil] {
                    let answer = try await fixture.call(
                        method, ["LoginUsername=myusername", "LoginPassword=mypassword", "EventType=502000"], authPW: authPW)
                    #expect(
                        answer.status == 200 && answer.success == false && answer.message == "Permission Denied"
                            && answer.outputs.isEmpty, "\(method)")
                }
            }
            #expect(try await fixture.count("SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("GetSignInCookieInfo: a known user name is OK without a password; unknown FAIL; none is missing input")
    func signInCookie() async throws {
        try await SmarterTrackFixture.with { fixture in
            let ok = try await fixture.call("GetSignInCookieInfo", ["LoginUsername=myusername"])
            #expect(
                ok.success == true
                    && ok.outputs.prefix(3) == [
                        "Authentication=OK", "EmailAddress=huy.nguyen@htklabs.com", "DisplayName=Huy Nguyen",
                    ])
            let unknown = try await fixture.call("GetSignInCookieInfo", ["LoginUsername=someone"])
            #expect(unknown.success == true && unknown.message == "Login Failure" && unknown.outputs == ["Authentication=FAIL"])
            let missing = try await fixture.call("GetSignInCookieInfo", [])
            #expect(missing.success == false && missing.message == "Required Input Missing")
        }
    }

    @Test("GetCustomFieldOptions: CanStartTickets/CanStartChats by status, overrides by department and step")
    func customFieldOptions() async throws {
        try await SmarterTrackFixture.with(rules: Self.rules) { fixture in
            let active = try await fixture.call(
                "GetCustomFieldOptions",
                [
                    "LoginUsername=myusername", "DepartmentName=Support Department", "Location=PRE",
                    "cf_ticket type=phone ticket",
                ])
            #expect(active.success == true && active.message == "Result okay")
            #expect(active.outputs == ["CanStartTickets=True", "CanStartChats=True"])
            let items = active.result?.child("CustomFieldDataItems")?.children("ExternalCustomFieldData") ?? []
            #expect(items.count == 1)
            #expect(items.first?.child("CustomFieldName")?.text == "Type of Issue")
            #expect(
                items.first?.child("ChangeListOptions")?.text == "true" && items.first?.child("ChangeRequired")?.text == "true")
            #expect(items.first?.child("ListOptions")?.children("string").map(\.text) == ["Web site issues", "Email issues"])
            let otherStep = try await fixture.call(
                "GetCustomFieldOptions", ["LoginUsername=myusername", "DepartmentName=Support Department", "Location=REGULAR"])
            #expect(otherStep.result?.child("CustomFieldDataItems")?.children.isEmpty == true)
            let unknown = try await fixture.call("GetCustomFieldOptions", ["DepartmentName=Sales"])
            #expect(unknown.outputs == ["CanStartTickets=True", "CanStartChats=False"])
            try await fixture.listener.admin(
                "PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "status": "suspended"])
            let suspended = try await fixture.call("GetCustomFieldOptions", ["LoginUsername=myusername", "DepartmentName=Sales"])
            #expect(suspended.success == true && suspended.message == "Your account is suspended.")
            #expect(suspended.outputs == ["CanStartTickets=False", "CanStartChats=False"])
        }
    }

    @Test("StartTicket: allowed tickets are recorded once per ticket number with cf_ values; refused ones are not")
    func startTicket() async throws {
        try await SmarterTrackFixture.with(rules: Self.rules) { fixture in
            let inputs = [
                "LoginUsername=myusername", "DepartmentName=Support Department", "Subject=Server down", "TicketNumber=ABC-12345",
                "cf_Issue Type=Server Down",
            ]
            let started = try await fixture.call("StartTicket", inputs)
            #expect(started.success == true && started.message == "Ticket Creation Successful")
            #expect(started.outputs == ["TicketCreation=TRUE", "cf_Plan Type=ASP.NET Semi-dedicated", "cf_Billing ID=4126"])
            _ = try await fixture.call("StartTicket", inputs)  // SmarterTrack retrying the same ticket
            let tickets = try await fixture.rows(
                """
                SELECT t.title, t.channel, t.custom_fields->>'Issue Type', t.requester->>'smartertrack_ticket_number', c.code
                FROM tickets AS t JOIN customers AS c ON c.org_id = t.org_id AND c.id = t.customer_id WHERE t.org_id = \(fixture.orgID)
                """)
            #expect(tickets.count == 1)
            #expect(
                try tickets[0].decode(0, as: String?.self) == "Server down"
                    && tickets[0].decode(1, as: String?.self) == "SmarterTrack")
            #expect(
                try tickets[0].decode(2, as: String?.self) == "Server Down"
                    && tickets[0].decode(3, as: String?.self) == "ABC-12345")
            #expect(try tickets[0].decode(4, as: Int64.self) == 1)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'ticket'") == 1)
            // By email (tickets submitted through email), any case; a VIP is routed to another department and group.
            try await fixture.listener.admin("PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "status": "vip"])
            let vip = try await fixture.call("StartTicket", ["EmailFrom=HUY.Nguyen@htklabs.com", "TicketNumber=ABC-12346"])
            #expect(vip.outputs.prefix(3) == ["TicketCreation=TRUE", "departmentName=Priority Support", "groupName=VIP"])
            try await fixture.listener.admin(
                "PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "status": "suspended"])
            let refused = try await fixture.call("StartTicket", ["LoginUsername=myusername", "TicketNumber=ABC-12347"])
            #expect(
                refused.success == true && refused.message == "Your account is suspended."
                    && refused.outputs == ["TicketCreation=FALSE"])
            #expect(try await fixture.count("SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID)") == 2)
        }
    }

    @Test("StartChat: allowed or refused by status (unknown customers by their rule), department override, cf_ fields")
    func startChat() async throws {
        try await SmarterTrackFixture.with(rules: Self.rules) { fixture in
            let ok = try await fixture.call(
                "StartChat", ["LoginUsername=myusername", "DepartmentName=Sales", "cf_chat type=support"])
            #expect(ok.success == true && ok.message == "Chat Creation Successful")
            #expect(ok.outputs == ["ChatCreation=TRUE", "cf_Plan Type=ASP.NET Semi-dedicated", "cf_Billing ID=4126"])
            let unknown = try await fixture.call("StartChat", ["LoginUsername=stranger"])
            #expect(unknown.success == true && unknown.outputs == ["ChatCreation=FALSE"])
            try await fixture.listener.admin("PUT", "/contacts/PID-1/portal-login", ["username": "myusername", "status": "vip"])
            let vip = try await fixture.call("StartChat", ["LoginUsername=myusername"])
            #expect(vip.outputs.prefix(2) == ["ChatCreation=TRUE", "departmentName=Priority Chat"])
        }
    }

    @Test("GetUserDetails: an HTML summary with every CRM value escaped; nothing for an unknown user")
    func userDetails() async throws {
        try await SmarterTrackFixture.with(name: "<script>alert('x')</script> & Co") { fixture in
            _ = try await fixture.call(
                "StartTicket", ["LoginUsername=myusername", "Subject=<b>Bold</b> \"quoted\"", "TicketNumber=T-1"])
            let details = try await fixture.call(
                "GetUserDetails",
                [
                    "Username=myusername", "Email=huy.nguyen@htklabs.com", "BrandName=Brand", "DepartmentName=Support",
                    "Group=Tier 1",
                    "TicketNumber=T-1", "InteractionType=ticket",
                ])
            #expect(details.success == true && details.message == "User Account Information Retrieved Successfully")
            let html = try #require(details.result?.child("UserInfoHtml")?.text)
            #expect(details.outputs == ["UserInfoHTML=\(html)"])
            #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co Nguyen"))
            #expect(!html.contains("<script>") && !html.contains("<b>"))
            #expect(html.contains("&lt;b&gt;Bold&lt;/b&gt; &quot;quoted&quot;"))
            #expect(html.contains("PID-1") && html.contains("huy.nguyen@htklabs.com") && html.contains("4126"))
            let byEmail = try await fixture.call("GetUserDetails", ["Email=Huy.Nguyen@HTKLabs.com"])
            #expect(byEmail.result?.child("UserInfoHtml")?.text == html)
            let unknown = try await fixture.call("GetUserDetails", ["Username=nobody", "Email=nobody@example.com"])
            #expect(unknown.success == true && unknown.result?.child("UserInfoHtml") == nil && unknown.outputs.isEmpty)
        }
    }

    @Test("NotifyEventFired: the event, named from the document's table, goes into the customer's history")
    func notifyEventFired() async throws {
        try await SmarterTrackFixture.with { fixture in
            let fired = try await fixture.call(
                "NotifyEventFired", ["EventType=502002", "Args_email=HUY.NGUYEN@htklabs.com", "Args_status=Closed"])
            #expect(fired.success == true && fired.message == "Event Notification Successful")
            let history = try await fixture.rows(
                """
                SELECT detail->>'event_name', (detail->>'event_type')::int, detail->'arguments'->>'status', customer_id
                FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'helpdesk_event'
                """)
            #expect(history.count == 1)
            #expect(
                try history[0].decode(0, as: String.self) == "Ticket Status Changed"
                    && history[0].decode(1, as: Int.self) == 502002)
            #expect(try history[0].decode(2, as: String.self) == "Closed")
            let byUser = try await fixture.call("NotifyEventFired", ["EventType=511000", "Args_username=myusername"])
            #expect(byUser.success == true)
            let nobody = try await fixture.call("NotifyEventFired", ["EventType=501000", "Args_title=New article"])
            #expect(nobody.success == true && nobody.message?.contains("not stored") == true)
            let bad = try await fixture.call("NotifyEventFired", ["EventType=ticket-created"])
            #expect(bad.success == false)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'helpdesk_event'") == 2)
        }
    }
}
