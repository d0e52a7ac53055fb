/// How much an org's listeners together accept per minute (nil: no limit), set by the platform administrator.
public struct OrgListenerLimits: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var itemsPerMinute: Int?

    public init(requestsPerMinute: Int? = nil, itemsPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.itemsPerMinute = itemsPerMinute
    }

    /// The most actions one listener request may carry; more is a 413 naming the limit.
    public static let maxItemsPerRequest = 5000
}
