/// The strict HTTP/1.1 request-head parser (RFC 9112 §2–§7).
///
/// Stateless: the caller passes everything buffered so far and calls again when more arrives. It throws as
/// soon as the bytes seen break a rule, and enforces the size limits on partial input, so a client can
/// neither smuggle a request nor keep the parser waiting forever.
public enum RequestHeadParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: ParserLimits) throws(ParseError) -> HeadParseResult {
        var cursor = Cursor(bytes: bytes, limits: limits)
        guard let line = try cursor.requestLine() else { return .needMore }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(12)
        while true {
            switch try cursor.fieldLine() {
            case .needMore:
                return .needMore
            case .end:
                guard cursor.index <= limits.maxHeaderBytes else { throw .headerTooLarge }
                let head = try interpret(line, fields: fields)
                return .complete(head, consumed: cursor.index)
            case .field(let name, let value):
                guard fields.count < limits.maxHeaderCount else { throw .tooManyHeaders }
                fields.append((name: name, value: value))
            }
        }
    }

    struct RequestLine {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
    }

    /// Applies the semantic rules to a syntactically valid head (RFC 9112 §3.2, §6, §9; RFC 9110 §10.1.1).
    static func interpret(_ line: RequestLine, fields: [(name: String, value: String)]) throws(ParseError) -> RequestHead {
        var headers = HeaderFields()
        var hostValues: [String] = []
        var contentLengths: [String] = []
        var transferCodings: [String] = []
        var sawTransferEncoding = false
        var connectionTokens: [String] = []
        var expectations: [String] = []
        for (name, value) in fields {
            headers.add(name, value)
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostValues.append(value)
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                contentLengths.append(value)
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                sawTransferEncoding = true
                transferCodings += listTokens(value)
            case 10 where name.equalsIgnoringASCIICase("connection"):
                connectionTokens += listTokens(value)
            case 6 where name.equalsIgnoringASCIICase("expect"):
                expectations += listTokens(value)
            default:
                break
            }
        }

        // Host (RFC 9112 §3.2): exactly one in HTTP/1.1, and it must be a valid authority.
        guard hostValues.count <= 1 else { throw .multipleHost }
        if line.version == .http1_1 && hostValues.isEmpty { throw .missingHost }
        if let host = hostValues.first, !isValidAuthority(host) { throw .invalidHost }

        let (path, query, targetHost) = try splitTarget(line.target, method: line.method)

        // Message body length (RFC 9112 §6.1, §6.3).
        var framing = BodyFraming.none
        if sawTransferEncoding {
            guard contentLengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            guard line.version == .http1_1 else { throw .transferEncodingInHTTP10 }
            framing = try chunkedFraming(transferCodings)
        } else if !contentLengths.isEmpty {
            guard contentLengths.count == 1 else { throw .duplicateContentLength }
            let text = contentLengths[0]
            if text.utf8.contains(UInt8(ascii: ",")) { throw .duplicateContentLength }
            guard !text.isEmpty, text.utf8.count <= 15, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let length = Int(text)
            else { throw .invalidContentLength }
            framing = length == 0 ? .none : .contentLength(length)
        }

        // Persistence (RFC 9112 §9.3).
        let hasClose = connectionTokens.contains { $0.equalsIgnoringASCIICase("close") }
        let hasKeepAlive = connectionTokens.contains { $0.equalsIgnoringASCIICase("keep-alive") }
        let keepAlive = line.version == .http1_1 ? !hasClose : (hasKeepAlive && !hasClose)

        var expectsContinue = false
        for expectation in expectations {
            guard expectation.equalsIgnoringASCIICase("100-continue") else { throw .unsupportedExpectation }
            expectsContinue = true
        }

        return RequestHead(
            method: line.method, target: line.target, path: path, query: query, version: line.version,
            headers: headers, host: targetHost ?? hostValues.first, keepAlive: keepAlive,
            expectsContinue: expectsContinue, framing: framing)
    }

    /// Transfer-Encoding: only chunked is decoded; it must be last and appear once.
    static func chunkedFraming(_ codings: [String]) throws(ParseError) -> BodyFraming {
        let known = ["chunked", "gzip", "x-gzip", "deflate", "compress"]
        for coding in codings {
            let name = coding.split(separator: ";", maxSplits: 1).first.map(String.init)?.trimmingASCIISpaces() ?? ""
            guard known.contains(where: { $0.equalsIgnoringASCIICase(name) }) else { throw .unsupportedTransferCoding }
        }
        guard let last = codings.last, last.equalsIgnoringASCIICase("chunked") else { throw .transferEncodingNotChunked }
        guard codings.filter({ $0.equalsIgnoringASCIICase("chunked") }).count == 1 else { throw .transferEncodingNotChunked }
        guard codings.count == 1 else { throw .unsupportedTransferCoding }
        return .chunked
    }

    /// Comma-separated list elements, trimmed, empty ones dropped (RFC 9110 §5.6.1).
    static func listTokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty }
    }

    /// Splits the request-target into path, query and (for absolute-form) host (RFC 9112 §3.2).
    static func splitTarget(_ target: String, method: HTTPMethod) throws(ParseError) -> (String, String?, String?) {
        let utf8 = target.utf8
        if utf8.first == UInt8(ascii: "/") {
            if let question = utf8.firstIndex(of: UInt8(ascii: "?")) {
                return (String(target[..<question]), String(target[target.index(after: question)...]), nil)
            }
            return (target, nil, nil)
        }
        if target == "*" {
            guard method == .options else { throw .invalidTarget }
            return ("*", nil, nil)
        }
        if method == .connect {
            guard isValidAuthority(target) else { throw .invalidTarget }
            return ("", nil, target)
        }
        // absolute-form: http(s)://authority[/path][?query]
        let lower = target.lowercased()
        let schemeLength: Int
        if lower.hasPrefix("http://") {
            schemeLength = 7
        } else if lower.hasPrefix("https://") {
            schemeLength = 8
        } else {
            throw .invalidTarget
        }
        let rest = target.dropFirst(schemeLength)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        guard isValidAuthority(authority) else { throw .invalidTarget }
        var remainder = String(rest[authorityEnd...])
        if remainder.hasPrefix("?") || remainder.isEmpty { remainder = "/" + remainder }
        if let question = remainder.firstIndex(of: "?") {
            return (String(remainder[..<question]), String(remainder[remainder.index(after: question)...]), authority)
        }
        return (remainder, nil, authority)
    }

    /// uri-host [ ":" port ] (RFC 3986 §3.2.2): reg-name, IPv4, or a bracketed IP literal.
    static func isValidAuthority(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return false }
        var hostEnd = utf8.count
        var index = 0
        if utf8[0] == UInt8(ascii: "[") {
            guard let close = utf8.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            let literal = utf8[1..<close]
            guard literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
                return false
            }
            index = close + 1
            hostEnd = index
            if index < utf8.count && utf8[index] != UInt8(ascii: ":") { return false }
        } else {
            if let colon = utf8.firstIndex(of: UInt8(ascii: ":")) { hostEnd = colon }
            guard hostEnd > 0 else { return false }
            for byte in utf8[0..<hostEnd] where !isRegNameByte(byte) { return false }
            index = hostEnd
        }
        if index < utf8.count {
            // ":" port — digits only, may be empty per RFC 3986.
            let port = utf8[(index + 1)...]
            guard port.count <= 5, port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        }
        return true
    }

    static func isRegNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~%!$&'()*+,;=".utf8.contains(byte)
        }
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}
