import CRM
import Outbox

/// The listener's welcome email and SMS (crm-listener-webhook.txt §2.1): queued only for a customer this request
/// created, only when the listener enables them, and only to a customer that has an email (or phone).
///
/// The body and subject may use `{{name}}`, `{{lastname}}`, `{{fullname}}`, `{{customerId}}`, `{{email}}` and
/// `{{phone}}` (``MessageTemplate/welcomeFields``; others are refused when the listener is saved). The email's content
/// type comes from the body template alone (``MessageTemplate/isHTML(_:)``) and is queued with the message; values
/// are HTML-escaped in an HTML body and inserted as they are in a plain one, which is sent as text/plain whatever
/// they contain.
enum Welcome {
    static func messages(for customer: CustomerRef, fields: CustomerFields, listener: ListenerURL) -> [OutboxWriter.Message] {
        var messages: [OutboxWriter.Message] = []
        let email = fields.emails?.first?.key
        let phone = fields.phones?.first?.key
        func value(_ placeholder: String) -> String? {
            let name = fields.name ?? "", lastname = fields.lastname ?? ""
            switch placeholder {
            case "name": return name
            case "lastname": return lastname
            case "fullname": return [name, lastname].filter { !$0.isEmpty }.joined(separator: " ")
            case "customerId": return customer.code.description
            case "email": return email
            case "phone": return phone
            default: return nil
            }
        }
        func render(_ template: String, html: Bool = false) -> String {
            MessageTemplate(template, syntax: .doubleBraces).render(escape: html ? MessageTemplate.escapeHTML : { $0 }, value)
        }
        if listener.welcomeEmailEnabled, let email, let body = listener.welcomeEmailBody, !body.isEmpty {
            let html = MessageTemplate.isHTML(body)
            messages.append(
                OutboxWriter.Message(
                    channel: .email, reason: .welcomeEmail, recipient: email, sender: listener.welcomeEmailFrom,
                    subject: render(listener.welcomeEmailSubject ?? ""), body: render(body, html: html),
                    customerID: customer.id, contentType: html ? .html : .plain))
        }
        if listener.welcomeSMSEnabled, let phone, let body = listener.welcomeSMSBody, !body.isEmpty {
            messages.append(
                OutboxWriter.Message(
                    channel: .sms, reason: .welcomeSMS, recipient: phone, body: render(body), customerID: customer.id))
        }
        return messages
    }
}
