/// What ``ServerConfiguration/onAnswered`` is told about an answered request: its route pattern, never its path.
public struct AnsweredRequest: Sendable {
    public let route: String
    public let method: String
    public let status: Int
    public let seconds: Double
    /// The access-log context: route parameters such as the org's slug, and the fields the handler added.
    public let context: [(String, String)]
}
