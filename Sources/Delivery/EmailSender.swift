import CRM
import NetworkClient
import Outbox
import SMTP

/// Sends an outbox email through the org's SMTP server.
struct EmailSender: Sendable {
    let settings: SMTPSettings
    let password: String?
    let configuration: DeliveryConfiguration
    let tls: ClientTLS

    /// - Parameter key: the message's stable key; its Message-ID is `<key@hostname>` on every attempt.
    /// - Parameter contentType: as queued (decided from the template); never guessed from `body`.
    func send(
        to recipient: String, sender: String?, subject: String, body: String, contentType: OutboxMessage.ContentType,
        key: String
    ) -> SendResult {
        let message = MailMessage(
            from: sender ?? settings.fromAddress, fromName: settings.fromName, to: recipient, replyTo: settings.replyTo,
            subject: subject, body: body, isHTML: contentType == .html, messageID: "\(key)@\(configuration.hostname)")
        let server = SMTPServer(
            host: settings.host, port: settings.port, security: settings.security, username: settings.username,
            password: password, clientName: configuration.hostname, timeout: configuration.networkTimeout,
            addressPolicy: configuration.addressPolicy)
        do {
            let reply = try SMTPClient(server: server, tls: tls).send(
                message, envelopeFrom: settings.fromAddress, recipient: recipient)
            return .sent(providerMessageID: Self.queueID(reply) ?? "<\(message.messageID)>")
        } catch {
            return .failed(error.summary, permanent: error.isPermanent, detail: error.description)
        }
    }

    /// The queue id in a final reply such as "2.0.0 Ok: queued as 4B2C1" or "OK id=1abc"; nil when there is none.
    static func queueID(_ reply: String) -> String? {
        for marker in ["queued as ", "id="] {
            if let range = reply.firstRange(of: marker) {
                let id = reply[range.upperBound...].prefix { !$0.isWhitespace && $0 != ">" && $0 != ")" }
                if !id.isEmpty { return String(id) }
            }
        }
        return nil
    }
}
