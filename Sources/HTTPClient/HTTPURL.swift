/// An absolute http or https URL, split for a request: scheme, host, port and request target.
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
    public let isTLS: Bool
    public let host: String
    public let port: Int
    /// Path and query, e.g. `/2010-04-01/Accounts/AC1/Messages.json`.
    public let target: String

    /// Nil for anything but `http://host[:port][/path][?query]` or https (no user info, no spaces).
    public init?(_ text: String) {
        let isTLS: Bool
        let rest: Substring
        if text.lowercased().hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        guard !text.contains(where: { $0 == " " || $0.isNewline || $0 == "\t" }) else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var target = String(rest.dropFirst(authority.count).prefix { $0 != "#" })
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = String(authority)
        var port = isTLS ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()), (1...65535).contains(number) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            host = String(authority[..<colon])
            port = number
        }
        guard !host.isEmpty else { return nil }
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.target = target
    }

    /// The Host header's value.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    public var description: String { "\(isTLS ? "https" : "http")://\(authority)\(target)" }
}
