/// One request a listener received, as kept in the listener request log (`listener_requests`).
/// `body` and `response` are read only for a single record, never for a page of them.
public struct ListenerRequestRecord: Sendable, Equatable {
    /// What became of a request, derived from its status: 200 ok, 207 partial (some items failed),
    /// 422 failed (every item failed), anything else refused (access, size, rate or envelope errors).
    public enum Outcome: String, Sendable, CaseIterable {
        case ok, partial, failed, refused

        public init(status: Int) {
            switch status {
            case 200: self = .ok
            case 207: self = .partial
            case 422: self = .failed
            default: self = .refused
            }
        }
    }

    public let id: Int64
    public let listenerID: Int64
    /// ISO 8601 in UTC with milliseconds.
    public let receivedAt: String
    public let clientAddress: String?
    public let requestID: String?
    public let idempotencyKey: String?
    /// The logged request this one replayed, if it is a replay.
    public let replayOf: Int64?
    public let senderUser: String?
    /// The body's size in bytes as received.
    public let size: Int
    public let status: Int
    public let itemCount: Int
    public let errorCount: Int
    /// The request body as received; nil when not read (lists).
    public let body: [UInt8]?
    /// The response body that was sent; nil when not read (lists).
    public let response: [UInt8]?

    public var outcome: Outcome { Outcome(status: status) }

    public init(
        id: Int64, listenerID: Int64, receivedAt: String, clientAddress: String? = nil, requestID: String? = nil,
        idempotencyKey: String? = nil, replayOf: Int64? = nil, senderUser: String? = nil, size: Int, status: Int,
        itemCount: Int = 0, errorCount: Int = 0, body: [UInt8]? = nil, response: [UInt8]? = nil
    ) {
        self.id = id
        self.listenerID = listenerID
        self.receivedAt = receivedAt
        self.clientAddress = clientAddress
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
        self.replayOf = replayOf
        self.senderUser = senderUser
        self.size = size
        self.status = status
        self.itemCount = itemCount
        self.errorCount = errorCount
        self.body = body
        self.response = response
    }
}

/// Which logged requests a list shows; nil matches any.
public struct ListenerRequestFilter: Sendable, Equatable {
    public var listenerID: Int64?
    public var outcome: ListenerRequestRecord.Outcome?
    /// Received at or after / before these instants (RFC 3339 text checked by ``Timestamp``).
    public var receivedSince: String?
    public var receivedBefore: String?

    public init(
        listenerID: Int64? = nil, outcome: ListenerRequestRecord.Outcome? = nil, receivedSince: String? = nil,
        receivedBefore: String? = nil
    ) {
        self.listenerID = listenerID
        self.outcome = outcome
        self.receivedSince = receivedSince
        self.receivedBefore = receivedBefore
    }
}
