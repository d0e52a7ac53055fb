/// Finds the client's address: the socket peer, unless the peer is a trusted proxy, in which case
/// `X-Forwarded-For` is read from the right, skipping trusted hops (the usual rule: only the part of the
/// chain that trusted proxies appended can be believed).
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [CIDR]

    public init(trustedProxies: [CIDR]) {
        self.trustedProxies = trustedProxies
    }

    public func resolve(peer: IPAddress?, headers: HeaderFields) -> IPAddress? {
        guard let peer, !trustedProxies.isEmpty, trustedProxies.containsAddress(peer) else { return peer }
        let hops = headers.values(for: "X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingASCIISpaces() }
        var client = peer
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { return client }
            client = address
            if !trustedProxies.containsAddress(address) { return address }
        }
        return client
    }
}
