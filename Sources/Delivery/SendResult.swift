/// What one send did.
public enum SendResult: Sendable, Equatable {
    case sent(providerMessageID: String?)
    /// `permanent`: trying again cannot help (a 5xx SMTP reply, a 4xx from the SMS provider).
    case failed(String, permanent: Bool)
    /// The org has no usable settings for the channel; nothing was tried.
    case notConfigured(String)
}
