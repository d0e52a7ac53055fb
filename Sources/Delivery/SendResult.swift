/// What one send did.
public enum SendResult: Sendable, Equatable {
    case sent(providerMessageID: String?)
    /// The `String` is what the org admin sees (the outbox's last error, a delivery test's answer): a status code
    /// and a short reason, never addresses the host resolved to nor what the remote end sent; that goes in
    /// `detail`, which only the server log gets. `permanent`: trying again cannot help (a 5xx SMTP reply, a 4xx
    /// from the SMS provider).
    case failed(String, permanent: Bool, detail: String? = nil)
    /// The org has no usable settings for the channel; nothing was tried.
    case notConfigured(String)
}
