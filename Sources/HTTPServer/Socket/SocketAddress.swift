import Glibc

/// A host:port to bind to. Hosts are numeric addresses, `localhost`, or `*` / empty for every interface.
public struct BindAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// Parses "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0", ":8080", "localhost:8080".
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy(\.isNumber), let port = Int(portText), port <= 65535 else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard case .v6 = IPAddress(host) ?? .v4(0) else { return nil }
        } else if host.isEmpty || host == "*" {
            host = "0.0.0.0"
        } else if host == "localhost" {
            host = "127.0.0.1"
        } else if IPAddress(host) == nil || host.contains(":") {
            return nil
        }
        self.host = host
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with a sockaddr for this address.
    func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw SocketError("inet_pton", code: EINVAL) }
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SocketError("inet_pton", code: EINVAL) }
        return try withUnsafePointer(to: &address) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
