import CRM
import Outbox

/// Which outbox messages a list shows; nil matches any.
public struct OutboxFilter: Sendable, Equatable {
    public var status: OutboxMessage.Status?
    public var channel: OutboxMessage.Channel?
    public var reason: OutboxMessage.Reason?
    /// Webhook events to one endpoint.
    public var endpointID: Int64?

    public init(status: OutboxMessage.Status? = nil, channel: OutboxMessage.Channel? = nil, reason: OutboxMessage.Reason? = nil) {
        self.status = status
        self.channel = channel
        self.reason = reason
    }
}
