import CIOPulse
import CRM
import CRMHubTesting
import Foundation
import JSON
import Postgres
import Testing

/// ciopulse-contacts-api.txt, sentence by sentence, through the real server against PostgreSQL.
@Suite("CIOPulse Contacts API: authentication and access")
struct CIOPulseAuthenticationTests {
    @Test("a missing or wrong credential is 401 with {\"message\":\"Invalid security credentials\",\"status\":401}")
    func invalidCredentials() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S1", email: "s1@example.com")
            let wrongKey = String(fixture.apiKey.dropLast()) + (fixture.apiKey.hasSuffix("A") ? "B" : "A")
            let cases: [(String, String)] = [
                ("no Authorization header", ""),
                ("wrong key", CIOPulseFixture.basic(fixture.portalCode, wrongKey)),
                ("wrong portal code", CIOPulseFixture.basic(fixture.portalCode + "X", fixture.apiKey)),
                ("code and key swapped", CIOPulseFixture.basic(fixture.apiKey, fixture.portalCode)),
                ("key of 39 characters", CIOPulseFixture.basic(fixture.portalCode, String(fixture.apiKey.dropLast()))),
                ("no colon", "Basic " + Data("\(fixture.portalCode)\(fixture.apiKey)".utf8).base64EncodedString()),
                ("not base64", "Basic !!!!"),
                ("Bearer scheme", "Bearer \(fixture.apiKey)"),
                ("empty portal code", CIOPulseFixture.basic("", fixture.apiKey)),
            ]
            for (name, authorization) in cases {
                for (method, path, body) in [
                    ("GET", "/api/v5/contacts/S1", nil), ("GET", "/api/v5/contacts", nil), ("GET", "/api/v5/support_groups", nil),
                    ("PUT", "/api/v5/contacts/S1", #"{"first_name":"Changed"}"#), ("DELETE", "/api/v5/contacts/S1", nil),
                ] as [(String, String, String?)] {
                    let result = try await fixture.call(method, path, body: body, authorization: authorization)
                    #expect(
                        result.response.text == #"{"message":"Invalid security credentials","status":401}"#,
                        "\(name): \(method) \(path)")
                    CIOPulseFixture.expectError(result, 401)
                    #expect(result.response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
                }
            }
            #expect(try await fixture.get("S1").json["contact"]?["first_name"] == "Tim")
        }
    }

    @Test("a revoked key stops working at once; another live key of the portal still works")
    func revokedKey() async throws {
        try await CIOPulseFixture.with { fixture in
            let second = try await fixture.adminCall("POST", "/ciopulse/api-keys")
            let secondKey = try #require(second.json["api_key"]?.stringValue)
            #expect(try await fixture.call("GET", "/api/v5/contacts").status == 200)
            let keys = try await fixture.adminCall("GET", "/ciopulse/api-keys")
            let firstID = try #require(keys.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(try await fixture.adminCall("DELETE", "/ciopulse/api-keys/\(firstID)").status == 204)
            CIOPulseFixture.expectError(
                try await fixture.call("GET", "/api/v5/contacts"), 401, containing: "Invalid security credentials")
            let other = try await fixture.call(
                "GET", "/api/v5/contacts", authorization: CIOPulseFixture.basic(fixture.portalCode, secondKey))
            #expect(other.status == 200)
            let used = try await fixture.adminCall("GET", "/ciopulse/api-keys")
            #expect(used.json["items"]?.arrayValue?.last?["last_used_at"] != .null)
        }
    }

    @Test("with IP address security set up, a caller outside the list is refused with 403 in the same JSON shape")
    func allowlist() async throws {
        try await CIOPulseFixture.with(allowlist: ["203.0.113.0/24"]) { fixture in
            for (method, path, body) in [
                ("GET", "/api/v5/contacts", nil), ("GET", "/api/v5/contacts/S1", nil), ("GET", "/api/v5/support_groups", nil),
                ("PUT", "/api/v5/contacts/S1", #"{"first_name":"A","last_name":"B","email":"a@example.com"}"#),
                ("DELETE", "/api/v5/contacts/S1", nil),
            ] as [(String, String, String?)] {
                let refused = try await fixture.call(method, path, body: body)
                CIOPulseFixture.expectError(
                    refused, 403, containing: "127.0.0.1 is not in this portal's list of valid IP addresses")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
            // Wrong credentials from outside are still 401: the allowlist does not reveal which keys are valid.
            CIOPulseFixture.expectError(
                try await fixture.call("GET", "/api/v5/contacts", authorization: "Basic QUJDOmRlZg=="), 401)
            let saved = try await fixture.adminCall(
                "PUT", "/ciopulse", ["portal_code": .string(fixture.portalCode), "ip_allowlist": ["127.0.0.0/8"]])
            #expect(saved.status == 200)
            #expect(try await fixture.call("GET", "/api/v5/contacts").status == 200)
        }
    }

    @Test("a suspended org's portal answers 423 in the JSON shape; reactivated, it answers again")
    func suspended() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S1", email: "s1@example.com")
            _ = try await fixture.admin.call("PATCH", "/admin/v1/orgs/\(fixture.slug)", body: ["status": "suspended"])
            CIOPulseFixture.expectError(try await fixture.get("S1"), 423, containing: "suspended")
            CIOPulseFixture.expectError(try await fixture.put("S1", #"{"first_name":"X"}"#), 423)
            _ = try await fixture.admin.call("PATCH", "/admin/v1/orgs/\(fixture.slug)", body: ["status": "active"])
            #expect(try await fixture.get("S1").json["contact"]?["first_name"] == "Tim")
        }
    }

    @Test("another portal's key can neither see nor change these contacts")
    func tenantIsolation() async throws {
        try await CIOPulseFixture.with { mine in
            let theirs = try await CIOPulseFixture.make(admin: mine.admin)
            try await mine.addContact("SHARED", first: "Mine", email: "same@example.com")
            try await mine.addContact("ONLY-MINE", email: "only@example.com")
            CIOPulseFixture.expectError(try await theirs.get("ONLY-MINE"), 404)
            CIOPulseFixture.expectError(try await theirs.delete("ONLY-MINE"), 404)
            // Their PUT with the same system id and email creates their own contact: ids and emails are per org.
            let created = try await theirs.put("SHARED", #"{"first_name":"Theirs","last_name":"T","email":"same@example.com"}"#)
            #expect(created.status == 201)
            let changed = try await theirs.put("SHARED", #"{"first_name":"Changed"}"#)
            #expect(changed.status == 200)
            let listed = try await theirs.call("GET", "/api/v5/contacts")
            #expect(listed.json["contacts"]?.arrayValue?.compactMap { $0["contact"]?["system_id"]?.stringValue } == ["SHARED"])
            #expect(try await mine.get("SHARED").json["contact"]?["first_name"] == "Mine")
            #expect(try await mine.get("ONLY-MINE").status == 200)
            // A portal code with another portal's key is refused.
            let crossed = try await mine.call(
                "GET", "/api/v5/contacts", authorization: CIOPulseFixture.basic(mine.portalCode, theirs.apiKey))
            CIOPulseFixture.expectError(crossed, 401)
        }
    }
}

@Suite("CIOPulse Contacts API: adding and updating (PUT)")
struct CIOPulsePutTests {
    @Test("a system_id NOT found creates a Contact from the payload: 201, stored as an org contact with identities and history")
    func create() async throws {
        try await CIOPulseFixture.with { fixture in
            let created = try await fixture.put(
                "80a45geb4faec211f6a144g18110c73d",
                """
                {
                "first_name": "Tim",
                "last_name": "Test",
                "job_title": null,
                "email": "Tim.Test@Example.com",
                "mobile": "+61411112233"
                }
                """)
            #expect(created.status == 201)
            #expect(
                created.json == [
                    "contact": [
                        "system_id": "80a45geb4faec211f6a144g18110c73d", "first_name": "Tim", "last_name": "Test",
                        "job_title": nil,
                        "email": "Tim.Test@Example.com", "mobile": "+61411112233",
                    ]
                ])
            let row = try #require(
                try await fixture.rows(
                    """
                    SELECT kind, name, lastname, title, emails::text, phones::text, type, code FROM customers
                    WHERE org_id = \(fixture.orgID) AND system_id = '80a45geb4faec211f6a144g18110c73d'
                    """
                ).first)
            #expect(try row.decode(0, as: String.self) == "contact")
            #expect(
                try row.decode(1, as: String.self) == "Tim" && row.decode(2, as: String?.self) == "Test"
                    && row.decode(3, as: String?.self) == nil)
            #expect(try row.decode(4, as: String.self) == #"[{"type": "Work", "value": "Tim.Test@Example.com"}]"#)
            #expect(try row.decode(5, as: String.self) == #"[{"type": "Mobile", "value": "+61411112233"}]"#)
            let identities = try await fixture.rows(
                """
                SELECT kind || ':' || value FROM customer_identities WHERE org_id = \(fixture.orgID) ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(identities == ["email:tim.test@example.com", "phone:+61411112233"])
            let history = try await fixture.rows(
                """
                SELECT event, detail->>'source', detail->>'system_id' FROM customer_history WHERE org_id = \(fixture.orgID)
                """)
            #expect(history.count == 1)
            #expect(try history[0].decode(0, as: String.self) == "created" && history[0].decode(1, as: String.self) == "ciopulse")
            #expect(try history[0].decode(2, as: String.self) == "80a45geb4faec211f6a144g18110c73d")
        }
    }

    @Test("a system_id found updates the Contact: 200; a value updates, null sets 'no value', an omitted field stays")
    func update() async throws {
        try await CIOPulseFixture.with { fixture in
            _ = try await fixture.put(
                "S1",
                #"{"first_name":"Tim","last_name":"Test","job_title":"Agent","email":"tim@example.com","mobile":"+61411112233"}"#)
            let updated = try await fixture.put("S1", #"{"mobile": "+61444111222","job_title": null}"#)
            #expect(updated.status == 200)
            #expect(
                updated.json["contact"] == [
                    "system_id": "S1", "first_name": "Tim", "last_name": "Test", "job_title": nil, "email": "tim@example.com",
                    "mobile": "+61444111222",
                ])
            #expect(try await fixture.get("S1").json == updated.json)
            let renamed = try await fixture.put("S1", #"{"first_name":"Timothy","mobile":null}"#)
            #expect(
                renamed.json["contact"] == [
                    "system_id": "S1", "first_name": "Timothy", "last_name": "Test", "job_title": nil, "email": "tim@example.com",
                    "mobile": nil,
                ])
            let identities = try await fixture.rows(
                """
                SELECT kind || ':' || value FROM customer_identities WHERE org_id = \(fixture.orgID) ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(identities == ["email:tim@example.com"])
            let history = try await fixture.rows(
                """
                SELECT event, detail->>'source', detail->'fields' FROM customer_history WHERE org_id = \(fixture.orgID) ORDER BY id
                """
            ).map {
                "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: String.self)) \(try $0.decode(2, as: String?.self) ?? "")"
            }
            #expect(
                history == [
                    "created ciopulse ", #"updated ciopulse ["job_title", "mobile"]"#,
                    #"updated ciopulse ["first_name", "mobile"]"#,
                ])
        }
    }

    @Test("a PUT that changes nothing is 200 and writes no history line")
    func unchanged() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S1", email: "tim@example.com")
            let same = try await fixture.put("S1", #"{"first_name":"Tim","email":"tim@example.com"}"#)
            #expect(same.status == 200 && same.json["contact"]?["first_name"] == "Tim")
            let empty = try await fixture.put("S1", "{}")
            #expect(empty.status == 200)
            #expect(try await fixture.count("SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID)") == 1)
        }
    }

    @Test("first_name, last_name and email are mandatory when adding a new Contact: 400 naming the field")
    func mandatory() async throws {
        try await CIOPulseFixture.with { fixture in
            for (body, missing) in [
                (#"{"last_name":"Patel","email":"ajay@example.com"}"#, ["first_name"]),
                (#"{"first_name":"Ajay","email":"ajay@example.com"}"#, ["last_name"]),
                (#"{"first_name":"Ajay","last_name":"Patel"}"#, ["email"]),
                (#"{"job_title":"Agent","mobile":"+61411112233"}"#, ["first_name", "last_name", "email"]),
                ("{}", ["first_name", "last_name", "email"]),
            ] {
                let refused = try await fixture.put("NEW", body)
                CIOPulseFixture.expectError(refused, 400)
                for field in ["first_name", "last_name", "email"] {
                    let named =
                        refused.json["message"]?.stringValue?.contains("\(field) is mandatory when adding a new Contact") == true
                    #expect(named == missing.contains(field), "\(body): \(refused.response.text)")
                }
            }
            CIOPulseFixture.expectError(try await fixture.get("NEW"), 404)
        }
    }

    @Test("mandatory fields cannot be removed with null or emptied on an update: 400 naming the field")
    func mandatoryOnUpdate() async throws {
        try await CIOPulseFixture.with { fixture in
            let created = try await fixture.addContact("S1", email: "tim@example.com")
            for (body, message) in [
                (#"{"first_name":null}"#, "first_name is mandatory and cannot be null"),
                (#"{"last_name":null}"#, "last_name is mandatory and cannot be null"),
                (#"{"email":null}"#, "email is mandatory and cannot be null"),
                (#"{"first_name":""}"#, "first_name cannot be empty"),
            ] {
                CIOPulseFixture.expectError(try await fixture.put("S1", body), 400, containing: message)
            }
            #expect(try await fixture.get("S1").json == created)
        }
    }

    @Test("only first_name, last_name, email, job_title and mobile are allowed: another field is a 400 naming it")
    func unknownField() async throws {
        try await CIOPulseFixture.with { fixture in
            for (body, field) in [
                (#"{"first_name":"A","last_name":"B","email":"a@example.com","system_id":"X"}"#, "system_id"),
                (#"{"first_name":"A","last_name":"B","email":"a@example.com","phone":"+61411112233"}"#, "phone"),
                (#"{"First_Name":"A","last_name":"B","email":"a@example.com"}"#, "First_Name"),
                (#"{"contacts":[{"first_name":"A"}]}"#, "contacts"),
            ] {
                CIOPulseFixture.expectError(try await fixture.put("S1", body), 400, containing: "Unknown field '\(field)'")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("email must be a valid email address: 400 on create and on update")
    func invalidEmail() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S2", email: "ok@example.com")
            for address in [
                "ajay", "ajay@", "@example.com", "ajay@example", "ajay patel@example.com", "ajay@@example.com",
                "ajay@example..com",
            ] {
                let body = JSONWriter.string(["first_name": "Ajay", "last_name": "Patel", "email": .string(address)])
                CIOPulseFixture.expectError(
                    try await fixture.put("S1", body), 400, containing: "email is not a valid email address")
                CIOPulseFixture.expectError(
                    try await fixture.put("S2", JSONWriter.string(["email": .string(address)])), 400,
                    containing: "email is not a valid email address")
            }
            #expect(try await fixture.get("S2").json["contact"]?["email"] == "ok@example.com")
        }
    }

    @Test("two contacts cannot share the same email address: 422, whatever the case, on create and on update")
    func uniqueEmail() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S1", email: "Tim@Example.com")
            let duplicate = try await fixture.put("S2", #"{"first_name":"Other","last_name":"Person","email":"tim@EXAMPLE.com"}"#)
            CIOPulseFixture.expectError(duplicate, 422)
            #expect(duplicate.response.text == #"{"message":"Another Contact already has this email address","status":422}"#)
            CIOPulseFixture.expectError(try await fixture.get("S2"), 404)
            try await fixture.addContact("S2", email: "other@example.com")
            CIOPulseFixture.expectError(try await fixture.put("S2", #"{"email":"TIM@example.com"}"#), 422)
            #expect(try await fixture.get("S2").json["contact"]?["email"] == "other@example.com")
            // Its own address in another case is not "another Contact".
            let recased = try await fixture.put("S1", #"{"email":"tim@example.com"}"#)
            #expect(recased.status == 200 && recased.json["contact"]?["email"] == "tim@example.com")
            // Once S1 moves to another address, the old one is free.
            #expect(try await fixture.put("S1", #"{"email":"tim.new@example.com"}"#).status == 200)
            #expect(try await fixture.put("S2", #"{"email":"tim@example.com"}"#).status == 200)
        }
    }

    @Test("mobile must be '+', a country code and the number without its leading zero, no spaces or hyphens: 400")
    func invalidMobile() async throws {
        try await CIOPulseFixture.with { fixture in
            for mobile in [
                "0411112233", "61411112233", "+610411112233", "+61 411 112 233", "+61-411-112-233", "+61(411)112233",
                "+61411112233 ",
                "", "+0411112233",
            ] {
                let body = JSONWriter.string([
                    "first_name": "Tim", "last_name": "Test", "email": "tim@example.com", "mobile": .string(mobile),
                ])
                CIOPulseFixture.expectError(try await fixture.put("S1", body), 400, containing: "mobile must start with \"+\"")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("valid mobiles are stored as sent and become phone identities")
    func validMobile() async throws {
        try await CIOPulseFixture.with { fixture in
            for (index, mobile) in ["+61411112233", "+14155550123", "+447911123456"].enumerated() {
                let created = try await fixture.addContact("S\(index)", email: "tim\(index)@example.com", mobile: mobile)
                #expect(created["contact"]?["mobile"]?.stringValue == mobile)
                #expect(
                    try await fixture.count(
                        """
                        SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID) AND kind = 'phone' AND value = \(mobile)
                        """) == 1)
            }
        }
    }

    @Test("malformed JSON is 400: NULL in capitals, unquoted keys, single quotes, trailing commas, not JSON")
    func malformed() async throws {
        try await CIOPulseFixture.with { fixture in
            let created = try await fixture.addContact("S1", email: "tim@example.com")
            for body in [
                #"{"first_name": "Tim", "job_title": NULL}"#, #"{first_name: "Tim"}"#, #"{'first_name': 'Tim'}"#,
                #"{"first_name": "Tim",}"#, "first_name=Tim", #"{"first_name": "Tim""#, #"{"job_title": "a\qb"}"#,
            ] {
                CIOPulseFixture.expectError(try await fixture.put("S1", body), 400, containing: "The JSON payload is malformed")
            }
            #expect(try await fixture.get("S1").json == created)
        }
    }

    @Test("the payload may only contain a single Contact: more than one is 400")
    func singleContact() async throws {
        try await CIOPulseFixture.with { fixture in
            for body in [
                #"[{"first_name":"A","last_name":"B","email":"a@example.com"}]"#,
                #"[{"first_name":"A","last_name":"B","email":"a@example.com"},{"first_name":"C","last_name":"D","email":"c@example.com"}]"#,
                #"{"first_name":"A","last_name":"B","email":"a@example.com"}{"first_name":"C","last_name":"D","email":"c@example.com"}"#,
                #"{"first_name":"A","last_name":"B","email":"a@example.com"},{"first_name":"C","last_name":"D","email":"c@example.com"}"#,
            ] {
                CIOPulseFixture.expectError(
                    try await fixture.put("S1", body), 400, containing: "may only contain information for a single Contact")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("null is lowercase and unquoted: \"null\" in quotes is the text null, not a removal")
    func quotedNull() async throws {
        try await CIOPulseFixture.with { fixture in
            _ = try await fixture.put(
                "S1", #"{"first_name":"Tim","last_name":"Test","email":"tim@example.com","job_title":"Agent"}"#)
            let quoted = try await fixture.put("S1", #"{"job_title":"null"}"#)
            #expect(quoted.json["contact"]?["job_title"] == "null")
            let removed = try await fixture.put("S1", #"{"job_title":null}"#)
            #expect(removed.json["contact"]?["job_title"] == .null)
        }
    }

    @Test("backslashes break the original service; here valid JSON escapes work, \\\\ and \\u00e9 included")
    func escapes() async throws {
        try await CIOPulseFixture.with { fixture in
            let created = try await fixture.put(
                "S\\1",
                #"{"first_name":"Ren\u00e9e","last_name":"O\u2019Brien","job_title":"Ops \\ Support \"L2\"","email":"renee@example.com"}"#
            )
            #expect(created.status == 201)
            let shown = try await fixture.get("S\\1")
            #expect(
                shown.json["contact"] == [
                    "system_id": "S\\1", "first_name": "Renée", "last_name": "O\u{2019}Brien",
                    "job_title": #"Ops \ Support "L2""#,
                    "email": "renee@example.com", "mobile": nil,
                ])
            #expect(
                try await fixture.rows("SELECT name FROM customers WHERE org_id = \(fixture.orgID)")[0].decode(0, as: String.self)
                    == "Renée")
        }
    }

    @Test("a system_id longer than 200 characters is 400 on PUT and 404 on GET and DELETE")
    func longSystemID() async throws {
        try await CIOPulseFixture.with { fixture in
            let long = String(repeating: "x", count: 201)
            CIOPulseFixture.expectError(
                try await fixture.put(long, #"{"first_name":"A","last_name":"B","email":"a@example.com"}"#), 400,
                containing: "system_id")
            CIOPulseFixture.expectError(try await fixture.get(long), 404)
            CIOPulseFixture.expectError(try await fixture.delete(long), 404)
            CIOPulseFixture.expectError(try await fixture.call("GET", "/api/v5/contacts/a%00b"), 404)
            CIOPulseFixture.expectError(
                try await fixture.call(
                    "PUT", "/api/v5/contacts/a%00b", body: #"{"first_name":"A","last_name":"B","email":"a@example.com"}"#), 400)
        }
    }

    @Test("two PUTs with the same new email for different system ids at once: exactly one 201 and one 422")
    func concurrentEmail() async throws {
        try await CIOPulseFixture.with { fixture in
            for round in 0..<8 {
                let body = #"{"first_name":"Race","last_name":"\#(round)","email":"race\#(round)@example.com"}"#
                async let first = fixture.put("A\(round)", body)
                async let second = fixture.put("B\(round)", body.replacingOccurrences(of: "race", with: "RACE"))
                let statuses = [try await first.status, try await second.status].sorted()
                #expect(statuses == [201, 422], "round \(round)")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 8)
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 8)
        }
    }

    @Test("many PUTs at once, written together: each gets its own answer (201, 200, 400, 422) and nothing else is lost")
    func manyAtOnce() async throws {
        try await CIOPulseFixture.with { fixture in
            for index in 0..<10 { _ = try await fixture.addContact("OLD\(index)", email: "old\(index)@example.com") }
            let bodies: [(systemID: String, body: String, status: Int)] =
                (0..<30).map {
                    (
                        "NEW\($0)",
                        #"{"first_name":"Ngọc","last_name":"N\#($0)","email":"new\#($0)@example.com","mobile":"+8490000\#($0 + 100)"}"#,
                        201
                    )
                }
                + (0..<10).map { ("OLD\($0)", #"{"job_title":"Engineer \#($0)"}"#, 200) }
                + (0..<4).map { ("BAD\($0)", #"{"first_name":"No","email":"bad\#($0)@example.com"}"#, 400) }
                + (0..<4).map { ("TAKEN\($0)", #"{"first_name":"T","last_name":"T","email":"OLD\#($0)@example.com"}"#, 422) }
            let statuses = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for (index, entry) in bodies.enumerated() {
                    group.addTask { (index, try await fixture.put(entry.systemID, entry.body).status) }
                }
                var statuses = [Int](repeating: 0, count: bodies.count)
                for try await (index, status) in group { statuses[index] = status }
                return statuses
            }
            #expect(statuses == bodies.map(\.status))
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 40)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'created'
                    """) == 40)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'updated'
                    """) == 10)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND title LIKE 'Engineer %'") == 10)
            // 40 email identities and the 30 new mobiles.
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 70)
            let new = try await fixture.get("NEW7")
            #expect(new.status == 200 && new.json["contact"]?["first_name"] == "Ngọc")
        }
    }

    @Test("two PUTs creating the same system_id at once: one 201, one 200, one contact")
    func concurrentSystemID() async throws {
        try await CIOPulseFixture.with { fixture in
            for round in 0..<8 {
                async let first = fixture.put(
                    "S\(round)", #"{"first_name":"One","last_name":"L","email":"one\#(round)@example.com"}"#)
                async let second = fixture.put(
                    "S\(round)", #"{"first_name":"Two","last_name":"L","email":"two\#(round)@example.com"}"#)
                let statuses = [try await first.status, try await second.status].sorted()
                #expect(statuses == [200, 201], "round \(round)")
            }
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 8)
            // Each contact keeps exactly the address it shows.
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customers AS c JOIN customer_identities AS i
                        ON i.org_id = c.org_id AND i.customer_id = c.id AND i.kind = 'email' AND i.value = c.emails->0->>'value'
                    WHERE c.org_id = \(fixture.orgID)
                    """) == 8)
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 8)
        }
    }
}

@Suite("CIOPulse Contacts API: retrieving (GET) and deleting (DELETE)")
struct CIOPulseGetDeleteTests {
    @Test("GET with a system id returns that Contact's fields (200); unknown is 404 with the JSON error")
    func getOne() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact(
                "CONTACT123", first: "Sam", last: "Lee", email: "sam@example.com", mobile: "+61411112233")
            let shown = try await fixture.get("CONTACT123")
            #expect(shown.status == 200)
            #expect(shown.response.header("Content-Type") == "application/json")
            #expect(
                shown.response.text
                    == #"{"contact":{"system_id":"CONTACT123","first_name":"Sam","last_name":"Lee","job_title":null,"email":"sam@example.com","mobile":"+61411112233"}}"#
            )
            let missing = try await fixture.get("NOPE")
            CIOPulseFixture.expectError(missing, 404)
            #expect(missing.response.text == #"{"message":"A Contact with this System ID was not found","status":404}"#)
        }
    }

    @Test("GET without a system id returns every Contact of the portal as {\"contacts\":[{\"contact\":{…}}]}, by system id")
    func getAll() async throws {
        try await CIOPulseFixture.with { fixture in
            let empty = try await fixture.call("GET", "/api/v5/contacts")
            #expect(empty.status == 200 && empty.response.text == #"{"contacts":[]}"#)
            try await fixture.addContact("B", first: "Bea", email: "bea@example.com")
            try await fixture.addContact("A", first: "Al", email: "al@example.com", mobile: "+61411112233")
            let all = try await fixture.call("GET", "/api/v5/contacts")
            #expect(all.status == 200)
            #expect(
                all.json == [
                    "contacts": [
                        [
                            "contact": [
                                "system_id": "A", "first_name": "Al", "last_name": "Test", "job_title": nil,
                                "email": "al@example.com", "mobile": "+61411112233",
                            ]
                        ],
                        [
                            "contact": [
                                "system_id": "B", "first_name": "Bea", "last_name": "Test", "job_title": nil,
                                "email": "bea@example.com", "mobile": nil,
                            ]
                        ],
                    ]
                ])
        }
    }

    @Test("DELETE removes the Contact: 202; then GET and a second DELETE are 404, and its email is free again")
    func delete() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("S1", email: "tim@example.com", mobile: "+61411112233")
            let deleted = try await fixture.delete("S1")
            #expect(deleted.status == 202)
            #expect(deleted.response.text == #"{"message":"Contact deleted","status":202}"#)
            CIOPulseFixture.expectError(try await fixture.get("S1"), 404)
            CIOPulseFixture.expectError(try await fixture.delete("S1"), 404, containing: "was not found")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID)") == 0)
            try await fixture.addContact("S2", email: "tim@example.com")
        }
    }

    @Test("the Contact to be deleted must not be the Support Lead or an Also Alert (1–6) of any Support Group: 409")
    func deleteRefused() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("LEAD", email: "lead@example.com")
            for slot in SupportGroup.Slot.allCases {
                let named = "NAMED-\(slot.rawValue)", team = "TEAM-\(slot.rawValue)"
                try await fixture.addContact(named, email: "named\(slot.rawValue)@example.com")
                var group: JSONObject = ["system_id": .string(team), "name": "Service Desk"]
                if slot != .supportLead { group["support_lead_system_id"] = "LEAD" }
                group[slot.field] = .string(named)
                #expect(try await fixture.adminCall("POST", "/support-groups", .object(group)).status == 201)
                let refused = try await fixture.delete(named)
                CIOPulseFixture.expectError(refused, 409, containing: "Support Lead or an Also Alert of Support Group '\(team)'")
                #expect(try await fixture.get(named).status == 200)
                // Once the group no longer names it, it can go.
                #expect(
                    try await fixture.adminCall("PATCH", "/support-groups/\(team)", .object([slot.field: .null])).status == 200)
                #expect(try await fixture.delete(named).status == 202, "\(slot.field)")
            }
            // The lead of six groups names all of them.
            let lead = try await fixture.delete("LEAD")
            CIOPulseFixture.expectError(lead, 409, containing: "'TEAM-1', 'TEAM-2', 'TEAM-3', 'TEAM-4', 'TEAM-5', 'TEAM-6'")
        }
    }
}
