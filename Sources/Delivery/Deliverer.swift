import CRM
import HTTPClient
import NetworkClient
import Outbox
import Platform
import Synchronization
import Telemetry

/// Sends one outbox message with its org's settings: loads them, opens the secret, and runs the blocking
/// SMTP or HTTP exchange on a thread of its own (never on the cooperative pool or an event loop).
public struct Deliverer: Sendable {
    let settings: DeliverySettingsStore
    let secrets: SecretBox?
    let configuration: DeliveryConfiguration
    /// Gets the detail of each failure (resolved addresses, what the server answered), which org admins are not shown.
    let logger: Logger?
    /// Made on the first send: loading the system trust store costs tens of milliseconds of CPU, which a process
    /// that never sends (most test servers, `crmhub serve` with workers off) should not pay at start.
    private let tlsContext = TLSContextCache()

    public init(settings: DeliverySettingsStore, secrets: SecretBox?, configuration: DeliveryConfiguration, logger: Logger? = nil) {
        self.settings = settings
        self.secrets = secrets
        self.configuration = configuration
        self.logger = logger
    }

    /// The context a secret is sealed for: it opens only in the same org's row for the same channel.
    public static func secretContext(orgID: Int64, channel: OutboxMessage.Channel) -> String { "delivery:\(orgID):\(channel.rawValue)" }

    /// Sends `message` (to its recipient, or to `recipient` for a test message). A failure's detail goes to the
    /// server log; the result carries only its summary.
    public func send(_ message: OutboxMessage, orgID: Int64, recipient: String? = nil) async throws -> SendResult {
        let result = try await attempt(message, orgID: orgID, recipient: recipient)
        if case .failed(let summary, let permanent, let detail?) = result {
            logger?.warning("delivery attempt failed", [
                ("org_id", String(orgID)), ("message_id", String(message.id)), ("channel", message.channel.rawValue),
                ("error", summary), ("detail", detail), ("permanent", String(permanent)),
            ])
        }
        return result
    }

    private func attempt(_ message: OutboxMessage, orgID: Int64, recipient: String?) async throws -> SendResult {
        guard let record = try await settings.find(orgID: orgID, channel: message.channel) else {
            let path = message.channel == .email ? "delivery/smtp" : "delivery/sms"
            return .notConfigured("no \(message.channel == .email ? "SMTP" : "SMS provider") settings for this org (PUT /admin/v1/orgs/{org}/\(path))")
        }
        var secret: String?
        if let sealed = record.sealedSecret {
            guard let secrets else { return .notConfigured("the stored secret cannot be opened: CRMHUB_SECRET_KEY is not set") }
            do {
                secret = try secrets.open(sealed, context: Self.secretContext(orgID: orgID, channel: message.channel))
            } catch {
                return .notConfigured(error.description)
            }
        }
        let key = message.deliveryKey(orgID: orgID)
        let to = recipient ?? message.recipient
        let tls: ClientTLS
        do {
            tls = try tlsContext.get(extraCAFile: configuration.extraCAFile)
        } catch {
            return .failed(error.summary, permanent: false, detail: error.description)
        }
        switch message.channel {
        case .email:
            guard case .success(let smtp) = SMTPSettings.parse(record.config) else { return .notConfigured("the stored SMTP settings are not valid") }
            let sender = EmailSender(settings: smtp, password: secret, configuration: configuration, tls: tls)
            let contentType = message.contentType ?? .plain
            return await Self.onThread(org: orgID) {
                sender.send(to: to, sender: message.sender, subject: message.subject ?? "", body: message.body, contentType: contentType, key: key)
            }
        case .sms:
            guard case .success(let sms) = SMSSettings.parse(record.config) else { return .notConfigured("the stored SMS settings are not valid") }
            if sms.needsSecret && secret == nil { return .notConfigured("the SMS provider settings have no secret") }
            let sender = SMSSender(settings: sms, secret: secret, client: HTTPClient(
                tls: tls, timeout: configuration.networkTimeout, addressPolicy: configuration.addressPolicy))
            return await Self.onThread(org: orgID) { sender.send(to: to, text: message.body, key: key) }
        }
    }

    /// Sends block on the network (with timeouts), so they run on plain threads, never on Swift's cooperative pool:
    /// at most 8 at once, taking turns between orgs, 64 waiting per org and 512 in all.
    static let sends = FairBlockingQueue(name: "crmhub-deliver", threads: 8, perKeyLimit: 64, totalLimit: 512)

    /// `body` on one of the send threads, queued under the org; a retryable failure when the queue is full.
    static func onThread(org orgID: Int64, _ body: @escaping @Sendable () -> SendResult) async -> SendResult {
        await sends.run(key: String(orgID), body) ?? .failed("too many deliveries are waiting; retried later", permanent: false)
    }
}

/// The client TLS context of a `Deliverer`, made once, on first use.
final class TLSContextCache: Sendable {
    private let context = Mutex<ClientTLS?>(nil)

    func get(extraCAFile: String?) throws(NetworkError) -> ClientTLS {
        try context.withLock { (context: inout ClientTLS?) throws(NetworkError) -> ClientTLS in
            if let context { return context }
            let made = try ClientTLS(extraCAFile: extraCAFile)
            context = made
            return made
        }
    }
}
