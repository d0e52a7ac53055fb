/// Why an outbound connection failed. `summary` is what an org admin is shown (the outbox's last error, a delivery
/// test's answer): the kind of failure and the host as configured, never the addresses it resolved to nor anything
/// the remote end sent. `description` has the detail, for the server log only.
public struct NetworkError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case resolve, connect, timeout, closed, io, tls
        /// Every address the host resolved to is one the connection's `AddressPolicy` forbids.
        case notAllowed
    }

    public let kind: Kind
    public let description: String
    public let summary: String

    /// Trying again cannot help: the host is only at addresses the connection's policy forbids.
    public var isPermanent: Bool { kind == .notAllowed }

    /// - Parameter summary: what the org admin sees; by default a short phrase for the kind.
    public init(_ kind: Kind, _ description: String, summary: String? = nil) {
        self.kind = kind
        self.description = description
        self.summary = summary ?? Self.phrase(kind)
    }

    static func phrase(_ kind: Kind) -> String {
        switch kind {
        case .resolve: "the host name does not resolve"
        case .connect: "cannot connect"
        case .timeout: "timed out"
        case .closed: "the server closed the connection"
        case .io: "the connection failed"
        case .tls: "TLS handshake failed"
        case .notAllowed: "not a public address (CRMHUB_DELIVERY_PRIVATE_TARGETS)"
        }
    }
}
