/// One try to send an outbox message (`outbox_attempts`).
public struct OutboxAttempt: Sendable, Equatable {
    public let attempt: Int
    /// sent, retrying or failed.
    public let outcome: String
    public let error: String?
    public let providerMessageID: String?
    public let startedAt: String
    public let finishedAt: String
    /// Webhooks: the receiver's HTTP status and the start of its answer (nil when it did not answer).
    public var responseStatus: Int? = nil
    public var responseExcerpt: String? = nil
    /// How long the send took.
    public var durationMS: Int? = nil
}
