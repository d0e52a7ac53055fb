/// A message waiting to be sent, or sent (`outbox`): welcome emails, welcome SMS and send-sms, rendered when queued,
/// and webhook events (queued by the triggers of sql/0014 for each endpoint that wants them).
public struct OutboxMessage: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable {
        case email, sms, webhook
    }

    public enum Reason: String, Sendable, CaseIterable {
        case welcomeEmail = "welcome-email"
        case welcomeSMS = "welcome-sms"
        case sendSMS = "send-sms"
        case webhookEvent = "webhook-event"
    }

    public enum Status: String, Sendable, CaseIterable {
        case queued, sending, sent, retrying, failed
    }

    /// An email's content type, decided from its template when it is queued and never from the rendered text, so
    /// a value a sender chose cannot turn a plain-text email into HTML.
    public enum ContentType: String, Sendable, CaseIterable {
        case plain = "text/plain"
        case html = "text/html"
    }

    public let id: Int64
    public let channel: Channel
    public let reason: Reason
    public let recipient: String
    public let sender: String?
    public let subject: String?
    public let body: String
    public let status: Status
    public let attempts: Int
    public let lastError: String?
    /// The internal id of the customer it is for (nil once that customer is deleted).
    public let customerID: Int64?
    public let listenerID: Int64?
    /// ISO 8601 in UTC with milliseconds.
    public let createdAt: String
    public let updatedAt: String
    /// When it is due again: the next try (retrying, or queued waiting for settings) or the lease's end (sending).
    public let nextAttemptAt: String?
    public let sentAt: String?
    /// The id the SMTP server or SMS provider gave the message.
    public let providerMessageID: String?
    /// Emails only; nil for SMS, and for emails queued before content types were stored (sent as plain text).
    public let contentType: ContentType?
    /// Webhook events only: the endpoint, the event type, and the webhook-id (the same on every attempt and replay).
    public var endpointID: Int64? = nil
    public var eventType: String? = nil
    public var eventID: String? = nil

    /// The stable key of this message, the same on every attempt: the email's Message-ID local part and the SMS
    /// request's Idempotency-Key, so a provider (or a person) can recognise a duplicate after an at-least-once retry.
    public func deliveryKey(orgID: Int64) -> String { "outbox-\(orgID)-\(id)" }

    public init(
        id: Int64, channel: Channel, reason: Reason, recipient: String, sender: String? = nil, subject: String? = nil,
        body: String, status: Status = .queued, attempts: Int = 0, lastError: String? = nil, customerID: Int64? = nil,
        listenerID: Int64? = nil, createdAt: String = "", updatedAt: String = "", nextAttemptAt: String? = nil,
        sentAt: String? = nil, providerMessageID: String? = nil, contentType: ContentType? = nil
    ) {
        self.id = id
        self.channel = channel
        self.reason = reason
        self.recipient = recipient
        self.sender = sender
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.customerID = customerID
        self.listenerID = listenerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.nextAttemptAt = nextAttemptAt
        self.sentAt = sentAt
        self.providerMessageID = providerMessageID
        self.contentType = contentType
    }
}
