extension RequestHeadParser {
    /// A validated request line, as byte ranges of the buffer.
    struct RequestLine {
        var method: Range<Int>
        var target: Range<Int>
        var minor: Int
        var form: TargetForm
        /// The path: nil means "/" (absolute-form without a path) or "" (authority-form).
        var path: Range<Int>?
        var query: Range<Int>?
        /// The authority of an absolute-form or authority-form target.
        var authority: Range<Int>?
    }

    /// The four forms of request-target (RFC 9112 §3.2).
    enum TargetForm {
        case origin, absolute, authority, asterisk
    }
}

extension HeadScanner {
    /// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
    mutating func requestLine() throws(Stop) -> RequestHeadParser.RequestLine {
        // method = token (RFC 9110 §9.1)
        let methodStart = index
        var position = index
        while position < end && ByteClass.isTChar(bytes[position]) { position += 1 }
        var current = try byte(position)
        if current != ByteClass.sp {
            try refuseLineEnd(current, at: position)
            throw .invalid(.invalidMethod)
        }
        guard position > methodStart else { throw .invalid(.invalidMethod) }
        let method = methodStart..<position
        position += 1

        // request-target: visible ASCII only, refused with 414 as soon as it is longer than allowed.
        let targetStart = position
        let allowed = max(0, limits.maxTargetLength)
        let targetLimit = allowed < end - targetStart ? targetStart + allowed : end  // no overflow for huge limits
        let stop = min(end, targetLimit + 1)
        while position < stop && ByteClass.isTarget(bytes[position]) { position += 1 }
        if position > targetLimit { throw .invalid(.uriTooLong) }
        current = try byte(position)
        if current != ByteClass.sp {
            try refuseLineEnd(current, at: position)
            throw .invalid(.invalidTarget)
        }
        // "GET  / HTTP/1.1": exactly one SP separates the parts.
        guard position > targetStart else { throw .invalid(.invalidRequestLine) }
        let target = targetStart..<position
        position += 1

        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        let versionStart = position
        for offset in 0..<8 {
            current = try byte(versionStart + offset)
            let matches: Bool
            switch offset {
            case 0: matches = current == UInt8(ascii: "H")
            case 1, 2: matches = current == UInt8(ascii: "T")
            case 3: matches = current == UInt8(ascii: "P")
            case 4: matches = current == UInt8(ascii: "/")
            case 6: matches = current == UInt8(ascii: ".")
            default: matches = ByteClass.isDigit(current)
            }
            guard matches else {
                if current == ByteClass.lf { throw .invalid(.bareLF) }
                if offset == 0 && ByteClass.isWhitespace(current) { throw .invalid(.invalidRequestLine) }
                throw .invalid(.invalidVersion)
            }
        }
        position = versionStart + 8
        current = try byte(position)
        switch current {
        case ByteClass.cr: try expectLF(afterCR: position)
        case ByteClass.lf: throw .invalid(.bareLF)
        case ByteClass.sp, ByteClass.htab: throw .invalid(.invalidRequestLine)
        default: throw .invalid(.invalidVersion)
        }
        index = position + 2

        // RFC 9110 §6.2: a well-formed major version we do not implement is 505, not 400. A higher minor
        // version of HTTP/1 is processed as HTTP/1.1, the highest we conform to (RFC 9110 §2.5: "a recipient
        // that receives a message with a higher minor version … SHOULD process the message as if it were in
        // the highest minor version within that major version to which the recipient is conformant").
        let major = bytes[versionStart + 5] &- 0x30
        let minor = min(bytes[versionStart + 7] &- 0x30, 1)
        guard major == 1 else { throw .invalid(.unsupportedVersion) }

        do throws(ParseError) {
            return try Self.classifyTarget(bytes, method: method, target: target, minor: Int(minor))
        } catch {
            throw .invalid(error)
        }
    }

    /// A CR or LF inside the request line: a bare one is `.bareCR` / `.bareLF`; a CRLF ends the line
    /// before all three parts were seen. Returns for any other byte.
    func refuseLineEnd(_ current: UInt8, at position: Int) throws(Stop) {
        if current == ByteClass.lf { throw .invalid(.bareLF) }
        if current == ByteClass.cr {
            try expectLF(afterCR: position)
            throw .invalid(.invalidRequestLine)
        }
    }

    /// Decides the form of the target and splits it (RFC 9112 §3.2).
    static func classifyTarget(
        _ bytes: UnsafeRawBufferPointer, method: Range<Int>, target: Range<Int>, minor: Int
    ) throws(ParseError) -> RequestHeadParser.RequestLine {
        var line = RequestHeadParser.RequestLine(method: method, target: target, minor: minor, form: .origin)
        let first = bytes[target.lowerBound]

        // §3.2.3: authority-form is only used for CONNECT, and CONNECT only uses it.
        if isMethod(bytes, method, "CONNECT") {
            guard RequestHeadParser.isValidAuthority(bytes, target, requirePort: true) else { throw .invalidTarget }
            line.form = .authority
            line.authority = target
            return line
        }
        // §3.2.1: origin-form = absolute-path [ "?" query ]
        if first == UInt8(ascii: "/") {
            split(bytes, target, into: &line)
            return line
        }
        // §3.2.4: asterisk-form is only used for a server-wide OPTIONS request.
        if first == UInt8(ascii: "*") && target.count == 1 {
            guard isMethod(bytes, method, "OPTIONS") else { throw .invalidTarget }
            line.form = .asterisk
            line.path = target
            return line
        }
        // §3.2.2: absolute-form. Only the http and https schemes are served; the authority must be a valid
        // non-empty host (RFC 9110 §4.2.1) without userinfo (RFC 9110 §4.2.4).
        let schemeLength: Int
        if hasScheme(bytes, target, "http") {
            schemeLength = 7
        } else if hasScheme(bytes, target, "https") {
            schemeLength = 8
        } else {
            throw .invalidTarget
        }
        let authorityStart = target.lowerBound + schemeLength
        var authorityEnd = authorityStart
        while authorityEnd < target.upperBound && bytes[authorityEnd] != UInt8(ascii: "/")
            && bytes[authorityEnd] != UInt8(ascii: "?")
        {
            authorityEnd += 1
        }
        guard RequestHeadParser.isValidAuthority(bytes, authorityStart..<authorityEnd) else { throw .invalidTarget }
        line.form = .absolute
        line.authority = authorityStart..<authorityEnd
        split(bytes, authorityEnd..<target.upperBound, into: &line)
        return line
    }

    /// Splits `path [ "?" query ]`; an empty path stays nil (meaning "/").
    private static func split(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into line: inout RequestHeadParser.RequestLine
    ) {
        var question = range.lowerBound
        while question < range.upperBound && bytes[question] != UInt8(ascii: "?") { question += 1 }
        if question > range.lowerBound { line.path = range.lowerBound..<question }
        if question < range.upperBound { line.query = (question + 1)..<range.upperBound }
    }

    /// Methods are case-sensitive (RFC 9110 §9.1).
    private static func isMethod(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != expected[offset] { return false }
        return true
    }

    /// Whether the target starts with `scheme "://"`; schemes are case-insensitive (RFC 3986 §3.1).
    private static func hasScheme(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ scheme: StaticString) -> Bool {
        let length = scheme.utf8CodeUnitCount
        guard range.count >= length + 3 else { return false }
        let colon = range.lowerBound + length
        return ByteClass.equalsLowercase(bytes, range.lowerBound..<colon, scheme)
            && bytes[colon] == UInt8(ascii: ":") && bytes[colon + 1] == UInt8(ascii: "/")
            && bytes[colon + 2] == UInt8(ascii: "/")
    }
}
