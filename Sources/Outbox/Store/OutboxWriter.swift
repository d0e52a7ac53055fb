import Postgres

/// Queues messages (welcome emails, welcome SMS, send-sms) in the outbox, inside the caller's transaction, so a
/// message exists exactly when the change that caused it does. Delivery reads them later.
public enum OutboxWriter {
    public typealias Channel = OutboxMessage.Channel
    public typealias Reason = OutboxMessage.Reason

    public struct Message: Sendable {
        public var channel: Channel
        public var reason: Reason
        public var recipient: String
        public var sender: String?
        public var subject: String?
        public var body: String
        public var customerID: Int64?
        /// Emails only: from the template, never from the rendered body.
        public var contentType: OutboxMessage.ContentType?

        public init(
            channel: Channel, reason: Reason, recipient: String, sender: String? = nil, subject: String? = nil,
            body: String, customerID: Int64? = nil, contentType: OutboxMessage.ContentType? = nil
        ) {
            self.channel = channel
            self.reason = reason
            self.recipient = recipient
            self.sender = sender
            self.subject = subject
            self.body = body
            self.customerID = customerID
            self.contentType = contentType
        }
    }

    /// Queues the messages; returns their ids in order.
    public static func enqueue(
        _ connection: PostgresConnection, orgID: Int64, listenerID: Int64?, _ messages: [Message]
    ) throws -> [Int64] {
        guard !messages.isEmpty else { return [] }
        return try connection.query(
            """
            INSERT INTO outbox (org_id, channel, reason, recipient, sender, subject, body, customer_id, listener_id, content_type)
            SELECT \(orgID), channel, reason, recipient, sender, subject, body, customer_id, \(listenerID), content_type
            FROM unnest(\(messages.map { $0.channel.rawValue })::text[], \(messages.map { $0.reason.rawValue })::text[],
                \(messages.map { $0.recipient })::text[], \(messages.map { $0.sender })::text[], \(messages.map { $0.subject })::text[],
                \(messages.map { $0.body })::text[], \(messages.map { $0.customerID })::bigint[],
                \(messages.map { $0.contentType?.rawValue })::text[])
                WITH ORDINALITY AS m(channel, reason, recipient, sender, subject, body, customer_id, content_type, position)
            ORDER BY position
            RETURNING id
            """
        ).rows.map { try $0.decode("id") }
    }
}
