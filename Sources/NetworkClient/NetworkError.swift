/// Why an outbound connection failed; the description is what the outbox shows as the message's last error.
public struct NetworkError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case resolve, connect, timeout, closed, io, tls
        /// Every address the host resolved to is one the connection's `AddressPolicy` forbids.
        case notAllowed
    }

    public let kind: Kind
    public let description: String

    /// Trying again cannot help: the host is only at addresses the connection's policy forbids.
    public var isPermanent: Bool { kind == .notAllowed }

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
