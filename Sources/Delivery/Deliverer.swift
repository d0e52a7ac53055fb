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
    let endpoints: WebhookEndpointStore
    let secrets: SecretBox?
    let configuration: DeliveryConfiguration
    /// Gets the detail of each failure (resolved addresses, what the server answered), which org admins are not shown.
    let logger: Logger?
    /// Made on the first send: loading the system trust store costs tens of milliseconds of CPU, which a process
    /// that never sends (most test servers, `crmhub serve` with workers off) should not pay at start.
    private let tlsContext = TLSContextCache()

    public init(settings: DeliverySettingsStore, secrets: SecretBox?, configuration: DeliveryConfiguration, logger: Logger? = nil)
    {
        self.settings = settings
        endpoints = WebhookEndpointStore(scope: settings.scope)
        self.secrets = secrets
        self.configuration = configuration
        self.logger = logger
    }

    /// The context a secret is sealed for: it opens only in the same org's row for the same channel.
    public static func secretContext(orgID: Int64, channel: OutboxMessage.Channel) -> String {
        "delivery:\(orgID):\(channel.rawValue)"
    }

    /// Sends `message` (to its recipient, or to `recipient` for a test message). A failure's detail goes to the
    /// server log; the result carries only its summary.
    public func send(_ message: OutboxMessage, orgID: Int64, recipient: String? = nil) async throws -> SendResult {
        try await report(message, orgID: orgID, recipient: recipient).result
    }

    /// ``send(_:orgID:recipient:)`` with the receiver's answer (webhooks).
    public func report(_ message: OutboxMessage, orgID: Int64, recipient: String? = nil) async throws -> SendReport {
        let report =
            message.channel == .webhook
            ? try await sendWebhook(message, orgID: orgID)
            : SendReport(try await attempt(message, orgID: orgID, recipient: recipient))
        let result = report.result
        if case .failed(let summary, let permanent, let detail?) = result {
            logger?.warning(
                "delivery attempt failed",
                [
                    ("org_id", String(orgID)), ("message_id", String(message.id)), ("channel", message.channel.rawValue),
                    ("error", summary), ("detail", detail), ("permanent", String(permanent)),
                ])
        }
        return report
    }

    /// A webhook event to its endpoint's current URL, signed with its active secrets.
    private func sendWebhook(_ message: OutboxMessage, orgID: Int64) async throws -> SendReport {
        guard let endpointID = message.endpointID, let eventID = message.eventID,
            let endpoint = try await endpoints.find(orgID: orgID, id: endpointID)
        else { return SendReport(.failed("the endpoint was deleted", permanent: true)) }
        guard endpoint.enabled else { return SendReport(.failed("the endpoint is disabled", permanent: true)) }
        guard let secrets else {
            return SendReport(.notConfigured("the endpoint's secret cannot be opened: CRMHUB_SECRET_KEY is not set"))
        }
        var keys: [[UInt8]] = []
        let sealed =
            [endpoint.sealedSecret] + (endpoint.previousSecretActive ? endpoint.sealedPreviousSecret.map { [$0] } ?? [] : [])
        for value in sealed {
            do {
                if let key = WebhookSignature.key(
                    of: try secrets.open(value, context: WebhookEndpoint.secretContext(orgID: orgID)))
                {
                    keys.append(key)
                }
            } catch {
                return SendReport(.notConfigured(error.description))
            }
        }
        let tls: ClientTLS
        do {
            tls = try tlsContext.get(extraCAFile: configuration.extraCAFile)
        } catch {
            return SendReport(.failed(error.summary, permanent: false, detail: error.description))
        }
        let sender = WebhookSender(
            client: HTTPClient(
                tls: tls, timeout: configuration.networkTimeout, maxResponseBytes: 64 << 10,
                addressPolicy: configuration.addressPolicy))
        let url = endpoint.url, body = message.body, signingKeys = keys
        return await Self.sends.run(key: String(orgID)) {
            sender.send(url: url, eventID: eventID, body: body, keys: signingKeys, now: WebhookSignature.now())
        } ?? SendReport(.failed("too many deliveries are waiting; retried later", permanent: false))
    }

    private func attempt(_ message: OutboxMessage, orgID: Int64, recipient: String?) async throws -> SendResult {
        guard let record = try await settings.find(orgID: orgID, channel: message.channel) else {
            let path = message.channel == .email ? "delivery/smtp" : "delivery/sms"
            return .notConfigured(
                "no \(message.channel == .email ? "SMTP" : "SMS provider") settings for this org (PUT /admin/v1/orgs/{org}/\(path))"
            )
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
            guard case .success(let smtp) = SMTPSettings.parse(record.config) else {
                return .notConfigured("the stored SMTP settings are not valid")
            }
            let sender = EmailSender(settings: smtp, password: secret, configuration: configuration, tls: tls)
            let contentType = message.contentType ?? .plain
            return await Self.onThread(org: orgID) {
                sender.send(
                    to: to, sender: message.sender, subject: message.subject ?? "", body: message.body, contentType: contentType,
                    key: key)
            }
        case .webhook:
            return .failed("webhook events are sent by sendWebhook", permanent: true)
        case .sms:
            guard case .success(let sms) = SMSSettings.parse(record.config) else {
                return .notConfigured("the stored SMS settings are not valid")
            }
            if sms.needsSecret && secret == nil { return .notConfigured("the SMS provider settings have no secret") }
            let sender = SMSSender(
                settings: sms, secret: secret,
                client: HTTPClient(
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
