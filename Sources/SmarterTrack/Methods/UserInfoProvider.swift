import CRM
import XML

/// IExternalUserInfoProvider: GetUserDetails returns an HTML summary of the CRM customer for the top of the ticket's
/// communication tab. Every CRM value is HTML-escaped: the HTML is injected into the agent's page.
enum UserInfoProvider {
    static func details(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        guard let customer = try await context.customer(username: ["Username", "LoginUsername"], email: ["Email", "EmailFrom"])
        else {
            // No UserInfoHtml: SmarterTrack then shows no user information area.
            return ProviderResult(success: true, message: "No CRM customer matches this user")
        }
        let html = summary(customer)
        return ProviderResult(
            success: true, message: "User Account Information Retrieved Successfully", outputVariables: ["UserInfoHTML=\(html)"],
            userInfoHtml: html)
    }

    static func summary(_ customer: PortalCustomer) -> String {
        func escape(_ text: String) -> String { XMLEscaping.escape(text) }
        var rows: [(String, String)] = []
        if let title = customer.title, !title.isEmpty { rows.append(("Title", title)) }
        if let company = customer.company { rows.append(("Company", company)) }
        if !customer.emails.isEmpty { rows.append(("Email", customer.emails.joined(separator: ", "))) }
        if !customer.phones.isEmpty { rows.append(("Phone", customer.phones.joined(separator: ", "))) }
        if let login = customer.login { rows.append(("Portal login", "\(login.username) (\(login.status))")) }
        if !customer.tags.isEmpty { rows.append(("Tags", customer.tags.joined(separator: ", "))) }
        rows += customer.customFields.map { ($0.name, $0.value) }
        var html =
            "<div class=\"crmhub-customer\"><strong>\(escape(customer.displayName))</strong> (\(escape(customer.code.description)))"
        html += "<table>"
        for (label, value) in rows { html += "<tr><th>\(escape(label))</th><td>\(escape(value))</td></tr>" }
        html += "</table>"
        if !customer.recentTickets.isEmpty {
            html += "<p>Recent tickets:</p><ul>"
            for ticket in customer.recentTickets {
                html +=
                    "<li>#\(ticket.id) \(escape(ticket.title ?? "(no title)")) – \(escape(ticket.status)), \(escape(ticket.createdAt))</li>"
            }
            html += "</ul>"
        }
        return html + "</div>"
    }
}
