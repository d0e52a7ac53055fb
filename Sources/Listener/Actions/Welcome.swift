import CRM

/// The listener's welcome email and SMS (crm-listener-webhook.txt §2.1): queued only for a customer this request
/// created, only when the listener enables them, and only to a customer that has an email (or phone).
///
/// The body and subject may use `{{name}}`, `{{lastname}}`, `{{fullname}}`, `{{customerId}}`, `{{email}}` and
/// `{{phone}}`.
enum Welcome {
    static func messages(for customer: CustomerRef, fields: CustomerFields, listener: Listener) -> [OutboxWriter.Message] {
        var messages: [OutboxWriter.Message] = []
        let email = fields.emails?.first?.key
        let phone = fields.phones?.first?.key
        func render(_ template: String) -> String {
            let name = fields.name ?? ""
            let lastname = fields.lastname ?? ""
            return template
                .replacing("{{name}}", with: name)
                .replacing("{{lastname}}", with: lastname)
                .replacing("{{fullname}}", with: [name, lastname].filter { !$0.isEmpty }.joined(separator: " "))
                .replacing("{{customerId}}", with: customer.code.description)
                .replacing("{{email}}", with: email ?? "")
                .replacing("{{phone}}", with: phone ?? "")
        }
        if listener.welcomeEmailEnabled, let email, let body = listener.welcomeEmailBody, !body.isEmpty {
            messages.append(OutboxWriter.Message(
                channel: .email, reason: .welcomeEmail, recipient: email, sender: listener.welcomeEmailFrom,
                subject: render(listener.welcomeEmailSubject ?? ""), body: render(body), customerID: customer.id))
        }
        if listener.welcomeSMSEnabled, let phone, let body = listener.welcomeSMSBody, !body.isEmpty {
            messages.append(OutboxWriter.Message(
                channel: .sms, reason: .welcomeSMS, recipient: phone, body: render(body), customerID: customer.id))
        }
        return messages
    }
}
