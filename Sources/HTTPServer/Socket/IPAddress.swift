import Glibc

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored as IPv4 so that
/// allowlists written with IPv4 ranges match clients of a dual-stack socket.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    public init?(_ text: String) {
        var trimmed = Substring(text)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") { trimmed = trimmed.dropFirst().dropLast() }
        if let zone = trimmed.firstIndex(of: "%") { trimmed = trimmed[..<zone] }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(trimmed), &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(trimmed), &v6) == 1 else { return nil }
        self.init(v6Bytes: withUnsafeBytes(of: v6) { Array($0) })
    }

    init(v6Bytes bytes: [UInt8]) {
        let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        if Array(bytes[0..<12]) == mappedPrefix {
            self = .v4(UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15]))
        } else {
            self = .v6(bytes)
        }
    }

    /// The address of a socket peer, from `getpeername`/`accept` storage.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            }
            self = .v4(UInt32(bigEndian: address))
        case AF_INET6:
            let bytes = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
            }
            self.init(v6Bytes: bytes)
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        case .v6(let bytes):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// An address range in CIDR notation ("10.0.0.0/8", "2001:db8::/32"); a bare address is a range of one.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.trimmingASCIISpaces().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum: Int
        switch address {
        case .v4: maximum = 32
        case .v6: maximum = 128
        }
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value), parts[1].allSatisfy(\.isNumber) else {
                return nil
            }
            // An IPv4-mapped IPv6 range ("::ffff:10.0.0.0/104") becomes the IPv4 range it denotes.
            if case .v4 = address, parts[0].contains(":") {
                guard value >= 96 else { return nil }
                length = value - 96
            } else {
                length = value
            }
        }
        self.prefixLength = length
        self.network = Self.mask(address, length)
    }

    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address) {
        case (.v4, .v4), (.v6, .v6): return Self.mask(address, prefixLength) == network
        default: return false
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func mask(_ address: IPAddress, _ length: Int) -> IPAddress {
        switch address {
        case .v4(let value):
            return .v4(length == 0 ? 0 : value & (UInt32.max << (32 - UInt32(length))))
        case .v6(var bytes):
            for index in 0..<16 {
                let bitsHere = max(0, min(8, length - index * 8))
                bytes[index] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            }
            return .v6(bytes)
        }
    }
}

extension Collection where Element == CIDR {
    /// Whether any range holds the address; an empty list holds none.
    public func containsAddress(_ address: IPAddress) -> Bool { contains { $0.contains(address) } }
}

extension CIDR {
    /// Whether an IP allowlist as stored (CIDR texts) lets `client` in: an empty list lets everyone in; otherwise
    /// the client must be inside one of its ranges, and a client whose address is unknown is not.
    public static func allowlist(_ ranges: [String], admits client: IPAddress?) -> Bool {
        guard !ranges.isEmpty else { return true }
        guard let client else { return false }
        return ranges.compactMap(CIDR.init).containsAddress(client)
    }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
