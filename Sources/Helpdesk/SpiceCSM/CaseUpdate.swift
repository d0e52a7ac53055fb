import JSON
import XML

/// A SpiceCSM "Case Update" (`caseXML`): `<tickets>` holding one `<ticket>` per case response. The attributes are
/// the document's: cid (parent case id), id (response id), tier, date, status, sid (status id), issue, agent (who
/// entered the response), aname (agent assigned), journal, email, article, treepath (process flow) and events.
struct CaseResponse: Equatable {
    let caseID: String
    let responseID: String
    let attributes: [String: String]

    func value(_ name: String) -> String { attributes[name] ?? "" }

    /// Every `<ticket>` of the document.
    /// - Throws: `SpiceCSMError` when the root is not `<tickets>` or a ticket has no cid or id.
    static func parse(_ document: XMLElement) throws(SpiceCSMError) -> [CaseResponse] {
        guard document.localName == "tickets" else {
            throw .malformed("caseXML", "the root element must be <tickets>, not <\(document.localName)>")
        }
        var responses: [CaseResponse] = []
        for (index, ticket) in document.children("ticket").enumerated() {
            var attributes: [String: String] = [:]
            for attribute in ticket.attributes { attributes[attribute.name] = attribute.value.trimmingCharacters(in: " \t") }
            guard let caseID = attributes["cid"], !caseID.isEmpty, let responseID = attributes["id"], !responseID.isEmpty else {
                throw .malformed("caseXML", "ticket \(index + 1) needs its cid (case id) and id (response id)")
            }
            responses.append(CaseResponse(caseID: caseID, responseID: responseID, attributes: attributes))
        }
        return responses
    }

    /// The CRM ticket status for SpiceCSM's case status text.
    var ticketStatus: String {
        let status = value("status").lowercased()
        if status.contains("closed") { return "closed" }
        if status.contains("resolved") || status.contains("solved") || status.contains("complete") { return "solved" }
        if status.contains("pending") || status.contains("waiting") || status.contains("hold") { return "pending" }
        return "open"
    }

    var ticketTitle: String {
        value("issue").isEmpty ? "SpiceCSM case \(caseID)" : "SpiceCSM case \(caseID): \(value("issue"))"
    }

    /// The case's current facts, kept on the ticket.
    var ticketFieldsJSON: String {
        var object: JSONObject = ["SpiceCSM case": .string(caseID)]
        for (name, label) in [
            ("tier", "Tier"), ("status", "Status"), ("sid", "Status ID"), ("issue", "Issue"), ("aname", "Assigned agent"),
        ]
        where !value(name).isEmpty {
            object[label] = .string(value(name))
        }
        return JSONWriter.string(.object(object))
    }

    /// The response as a note: who, when, at which tier and status, then each text the response carries.
    var noteBody: String {
        var header = "SpiceCSM case \(caseID), response \(responseID)"
        let facts = [("tier ", value("tier")), ("", value("status")), ("by ", value("agent")), ("on ", value("date"))].filter {
            !$0.1.isEmpty
        }
        if !facts.isEmpty { header += " (" + facts.map { $0.0 + $0.1 }.joined(separator: ", ") + ")" }
        var body = header
        for (name, label) in [
            ("journal", "Journal"), ("email", "Email"), ("article", "Article"), ("treepath", "Process flow"),
            ("events", "Events"),
        ]
        where !value(name).isEmpty {
            body += "\n\n\(label): \(value(name))"
        }
        return String(body.prefix(100_000))
    }
}
