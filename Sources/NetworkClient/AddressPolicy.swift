import Glibc

/// Which addresses an outbound connection may reach. Org admins choose their SMTP servers and SMS provider URLs, so
/// the delivery workers would otherwise connect wherever a tenant points them: the cloud metadata service, the
/// database, other internal services. The check runs on each address a name resolves to, right before connecting
/// to that address, so a name that resolves differently later (DNS rebinding) cannot slip past it.
public enum AddressPolicy: Sendable {
    /// Any address: for operators whose relays are on private networks.
    case any
    /// Public unicast addresses only.
    case publicOnly

    func permits(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch self {
        case .any: true
        case .publicOnly: PublicAddress.isPublic(address)
        }
    }
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique local), link-local (where
/// cloud metadata services live), shared (CGNAT), reserved for documentation or benchmarks, multicast or
/// unspecified. IPv4 inside IPv6 (mapped, compatible, the well-known NAT64 prefix) is judged by its IPv4 address.
/// Prefixes whose relays or translators can reach private IPv4 space by a route of their own are refused whole:
/// local-use NAT64 `64:ff9b:1::/48` (RFC 8215), 6to4 `2002::/16` (RFC 3056) and Teredo `2001::/32` (RFC 4380).
public enum PublicAddress {
    public static func isPublic(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                withUnsafeBytes(of: ipv4.pointee.sin_addr) { isPublic(ipv4: Array($0)) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                withUnsafeBytes(of: ipv6.pointee.sin6_addr) { isPublic(ipv6: Array($0)) }
            }
        default:
            return false
        }
    }

    /// A numeric address ("10.0.0.1", "::1"); false for anything that is not one.
    public static func isPublic(numeric text: String) -> Bool {
        var ipv4 = in_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 { return withUnsafeBytes(of: ipv4) { isPublic(ipv4: Array($0)) } }
        var ipv6 = in6_addr()
        if inet_pton(AF_INET6, text, &ipv6) == 1 { return withUnsafeBytes(of: ipv6) { isPublic(ipv6: Array($0)) } }
        return false
    }

    /// Four bytes in network order.
    static func isPublic(ipv4 b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): false  // "this network", private, loopback
        case (100, 64...127, _): false  // shared address space (CGNAT)
        case (169, 254, _): false  // link-local, cloud metadata
        case (172, 16...31, _), (192, 168, _): false  // private
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): false  // IETF protocol, documentation
        case (198, 18...19, _): false  // benchmarking
        case (224..., _, _): false  // multicast, reserved, broadcast
        default: true
        }
    }

    /// Sixteen bytes in network order.
    static func isPublic(ipv6 b: [UInt8]) -> Bool {
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0 && b[11] == 0) || (b[10] == 0xFF && b[11] == 0xFF)) {
            // ::, ::1 and IPv4-compatible (all zero) or IPv4-mapped (::ffff:a.b.c.d).
            return isPublic(ipv4: Array(b[12..<16]))
        }
        // NAT64 (64:ff9b::/96): the IPv4 address it carries decides.
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return isPublic(ipv4: Array(b[12..<16])) }
        if b[0..<6] == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01][...] { return false }  // local-use NAT64 64:ff9b:1::/48
        if b[0] == 0x20 && b[1] == 0x02 { return false }  // 6to4 2002::/16
        if b[0..<4] == [0x20, 0x01, 0x00, 0x00][...] { return false }  // Teredo 2001::/32
        if b[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return false }  // site-local fec0::/10 (deprecated)
        if b[0] == 0xFF { return false }  // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }  // documentation 2001:db8::/32
        return true
    }
}
