/// A message waiting to be sent, or sent (`outbox`): welcome emails, welcome SMS and send-sms, rendered when queued.
public struct OutboxMessage: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable {
        case email, sms
    }

    public enum Reason: String, Sendable, CaseIterable {
        case welcomeEmail = "welcome-email"
        case welcomeSMS = "welcome-sms"
        case sendSMS = "send-sms"
    }

    public enum Status: String, Sendable, CaseIterable {
        case queued, sending, sent, failed
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

    public init(
        id: Int64, channel: Channel, reason: Reason, recipient: String, sender: String? = nil, subject: String? = nil,
        body: String, status: Status = .queued, attempts: Int = 0, lastError: String? = nil, customerID: Int64? = nil,
        listenerID: Int64? = nil, createdAt: String = "", updatedAt: String = ""
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
    }
}

/// Which outbox messages a list shows; nil matches any.
public struct OutboxFilter: Sendable, Equatable {
    public var status: OutboxMessage.Status?
    public var channel: OutboxMessage.Channel?
    public var reason: OutboxMessage.Reason?

    public init(status: OutboxMessage.Status? = nil, channel: OutboxMessage.Channel? = nil, reason: OutboxMessage.Reason? = nil) {
        self.status = status
        self.channel = channel
        self.reason = reason
    }
}
