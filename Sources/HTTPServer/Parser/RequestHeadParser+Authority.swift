extension RequestHeadParser {
    /// `uri-host [ ":" port ]` (RFC 3986 §3.2.2, §3.2.3), as RFC 9112 §3.2 requires of Host and of the
    /// authority in absolute-form and authority-form targets.
    ///
    /// uri-host is an IP-literal (`[IPv6]` or `[vX.…]`), or a reg-name (which covers IPv4 and DNS names)
    /// that must not be empty. No userinfo. The port is at most five digits and at most 65535; it may be
    /// empty ("host:") as RFC 3986 allows, unless `requirePort` (authority-form, RFC 9112 §3.2.3).
    static func isValidAuthority(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, requirePort: Bool = false) -> Bool {
        guard !range.isEmpty else { return false }
        var index = range.lowerBound
        if bytes[index] == UInt8(ascii: "[") {
            var close = index + 1
            while close < range.upperBound && bytes[close] != UInt8(ascii: "]") { close += 1 }
            guard close < range.upperBound, isValidIPLiteral(bytes, (index + 1)..<close) else { return false }
            index = close + 1
        } else {
            while index < range.upperBound {
                let byte = bytes[index]
                if byte == UInt8(ascii: ":") { break }
                guard ByteClass.isRegName(byte) else { return false }
                if byte == UInt8(ascii: "%") {
                    // pct-encoded = "%" HEXDIG HEXDIG
                    guard index + 2 < range.upperBound, ByteClass.hexValue(bytes[index + 1]) != nil,
                        ByteClass.hexValue(bytes[index + 2]) != nil
                    else { return false }
                    index += 2
                }
                index += 1
            }
            guard index > range.lowerBound else { return false }
        }
        if index == range.upperBound { return !requirePort }
        guard bytes[index] == UInt8(ascii: ":") else { return false }
        index += 1
        let digits = range.upperBound - index
        guard digits <= 5, digits > 0 || !requirePort else { return false }
        var port = 0
        while index < range.upperBound {
            guard ByteClass.isDigit(bytes[index]) else { return false }
            port = port * 10 + Int(bytes[index] &- 0x30)
            index += 1
        }
        return port <= 65535
    }

    /// IP-literal without its brackets: IPv6address / IPvFuture (RFC 3986 §3.2.2).
    static func isValidIPLiteral(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        if bytes[range.lowerBound] | 0x20 == UInt8(ascii: "v") {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            var index = range.lowerBound + 1
            let hexStart = index
            while index < range.upperBound && ByteClass.hexValue(bytes[index]) != nil { index += 1 }
            guard index > hexStart, index < range.upperBound, bytes[index] == UInt8(ascii: ".") else { return false }
            index += 1
            guard index < range.upperBound else { return false }
            while index < range.upperBound {
                let byte = bytes[index]
                guard (ByteClass.isRegName(byte) && byte != UInt8(ascii: "%")) || byte == UInt8(ascii: ":") else {
                    return false
                }
                index += 1
            }
            return true
        }
        return isValidIPv6(bytes, range)
    }

    /// IPv6address (RFC 3986 §3.2.2): eight 16-bit groups, at most one "::", optionally ending in an IPv4 address.
    static func isValidIPv6(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let colon = UInt8(ascii: ":")
        var index = range.lowerBound
        var groups = 0
        var compressed = false
        if bytes[index] == colon {
            guard index + 1 < range.upperBound, bytes[index + 1] == colon else { return false }
            compressed = true
            index += 2
        }
        while index < range.upperBound {
            let start = index
            while index < range.upperBound && ByteClass.hexValue(bytes[index]) != nil { index += 1 }
            if index < range.upperBound && bytes[index] == UInt8(ascii: ".") {
                // ls32 may be an IPv4 address, only as the last part.
                guard isValidIPv4(bytes, start..<range.upperBound) else { return false }
                groups += 2
                index = range.upperBound
                break
            }
            guard index > start, index - start <= 4 else { return false }
            groups += 1
            if index == range.upperBound { break }
            guard bytes[index] == colon else { return false }
            index += 1
            guard index < range.upperBound else { return false }  // a single trailing ":"
            if bytes[index] == colon {
                guard !compressed else { return false }
                compressed = true
                index += 1
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet, without leading zeros.
    static func isValidIPv4(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        for octet in 0..<4 {
            if octet > 0 {
                guard index < range.upperBound, bytes[index] == UInt8(ascii: ".") else { return false }
                index += 1
            }
            let start = index
            var value = 0
            while index < range.upperBound && ByteClass.isDigit(bytes[index]) && index - start < 3 {
                value = value * 10 + Int(bytes[index] &- 0x30)
                index += 1
            }
            let length = index - start
            guard length > 0, value <= 255, length == 1 || bytes[start] != UInt8(ascii: "0") else { return false }
        }
        return index == range.upperBound
    }
}
