/// How an org finds duplicates when a customer is added (issue 24): which identity kinds deduplicate (a kind that
/// does not is stored for display only: it neither finds nor blocks a customer), and whether contacts and leads
/// are checked against each other. The default is the listener document's behaviour.
public struct MatchingSettings: Sendable, Equatable {
    public static let kinds = ["passport", "email", "phone"]
    public static let document = MatchingSettings(deduplicate: Set(kinds), acrossSeries: false)

    public var deduplicate: Set<String>
    public var acrossSeries: Bool

    public init(deduplicate: Set<String>, acrossSeries: Bool) {
        self.deduplicate = deduplicate
        self.acrossSeries = acrossSeries
    }

    /// The identity kinds a new customer does not claim.
    public var skipped: Set<String> { Set(Self.kinds).subtracting(deduplicate) }
}
