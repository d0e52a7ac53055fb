/// Collects a head while it is scanned, then applies the rules about the header section as a whole:
/// Host (RFC 9112 §3.2), message body length (§6), persistence (§9.3) and Expect (RFC 9110 §10.1.1).
///
/// The well-known fields are recognised from their bytes as they pass (length first, then a case-insensitive
/// compare), so the rules below read byte ranges, never the Strings made for ``HeaderFields``.
struct HeadBuilder: HeadSink {
    private var line: RequestHeadParser.RequestLine?
    private var method = HTTPMethod.get
    private var target = ""
    private var headers = HeaderFields()

    private var hostCount = 0
    private var host: Range<Int>?
    private var hostString: String?
    private var contentLengthCount = 0
    private var contentLength: Range<Int>?
    private var codings = TransferCodings()
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectsContinue = false
    private var unsupportedExpectation = false

    init() {}

    mutating func requestLine(_ line: RequestHeadParser.RequestLine, _ bytes: UnsafeRawBufferPointer) {
        self.line = line
        method = Self.method(bytes, line.method)
        target = ByteClass.string(bytes, line.target)
    }

    mutating func field(name: Range<Int>, value: Range<Int>, _ bytes: UnsafeRawBufferPointer) {
        let valueString = ByteClass.string(bytes, value)
        headers.add(Self.commonName(bytes, name) ?? ByteClass.string(bytes, name), valueString)
        switch name.count {
        case 4 where ByteClass.equalsLowercase(bytes, name, "host"):
            hostCount += 1
            if host == nil {
                host = value
                hostString = valueString
            }
        case 14 where ByteClass.equalsLowercase(bytes, name, "content-length"):
            contentLengthCount += 1
            if contentLength == nil { contentLength = value }
        case 17 where ByteClass.equalsLowercase(bytes, name, "transfer-encoding"):
            codings.add(bytes, value)
        case 10 where ByteClass.equalsLowercase(bytes, name, "connection"):
            // §9.3: connection options are case-insensitive tokens.
            ByteClass.forEachListElement(bytes, value) { token in
                if ByteClass.equalsLowercase(bytes, token, "close") { connectionClose = true }
                if ByteClass.equalsLowercase(bytes, token, "keep-alive") { connectionKeepAlive = true }
            }
        case 6 where ByteClass.equalsLowercase(bytes, name, "expect"):
            // RFC 9110 §10.1.1: the only expectation defined is "100-continue", case-insensitive.
            ByteClass.forEachListElement(bytes, value) { expectation in
                if ByteClass.equalsLowercase(bytes, expectation, "100-continue") {
                    expectsContinue = true
                } else {
                    unsupportedExpectation = true
                }
            }
        default:
            break
        }
    }

    /// Applies the section-wide rules, in this order: Host, body length, Expect.
    func makeHead(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> RequestHead {
        guard let line else { throw .invalidRequestLine }  // not reached: the scanner reports the line first
        let version = line.minor == 1 ? HTTPVersion.http1_1 : HTTPVersion.http1_0

        // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
        // message that lacks a Host header field and to any request message that contains more than one Host
        // header field line or a Host header field with an invalid field value." An absolute-form target
        // overrides the value (§3.2.2) but does not excuse its absence.
        guard hostCount <= 1 else { throw .multipleHost }
        if let host {
            guard RequestHeadParser.isValidAuthority(bytes, host) else { throw .invalidHost }
        } else if line.minor == 1 {
            throw .missingHost
        }

        let framing = try bodyFraming(bytes, minor: line.minor)

        if unsupportedExpectation { throw .unsupportedExpectation }

        // §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive" (and no "close").
        let keepAlive = !connectionClose && (line.minor == 1 || connectionKeepAlive)

        let path: String
        switch line.path {
        case line.target?: path = target  // origin-form without a query: the same String
        case let range?: path = ByteClass.string(bytes, range)
        case nil: path = line.form == .authority ? "" : "/"
        }
        let authority = line.authority.map { ByteClass.string(bytes, $0) }
        return RequestHead(
            method: method, target: target, path: path, query: line.query.map { ByteClass.string(bytes, $0) },
            version: version, headers: headers,
            host: authority ?? hostString,
            keepAlive: keepAlive,
            // RFC 9110 §10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0 request
            // MUST ignore that expectation."
            expectsContinue: expectsContinue && line.minor == 1,
            framing: framing)
    }

    /// The registered methods as literals (no String is created for them); others as sent.
    private static func method(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> HTTPMethod {
        switch range.count {
        case 3:
            if ByteClass.equals(bytes, range, "GET") { return HTTPMethod(rawValue: "GET") }
            if ByteClass.equals(bytes, range, "PUT") { return HTTPMethod(rawValue: "PUT") }
        case 4:
            if ByteClass.equals(bytes, range, "POST") { return HTTPMethod(rawValue: "POST") }
            if ByteClass.equals(bytes, range, "HEAD") { return HTTPMethod(rawValue: "HEAD") }
        case 5:
            if ByteClass.equals(bytes, range, "PATCH") { return HTTPMethod(rawValue: "PATCH") }
        case 6:
            if ByteClass.equals(bytes, range, "DELETE") { return HTTPMethod(rawValue: "DELETE") }
        case 7:
            if ByteClass.equals(bytes, range, "OPTIONS") { return HTTPMethod(rawValue: "OPTIONS") }
        default:
            break
        }
        return HTTPMethod(rawValue: ByteClass.string(bytes, range))
    }

    /// Field names most clients send, spelled as they send them, as literals: no String is created for
    /// them. Any other spelling is kept as sent.
    private static func commonName(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        switch range.count {
        case 4:
            if ByteClass.equals(bytes, range, "Host") { return "Host" }
            if ByteClass.equals(bytes, range, "host") { return "host" }
        case 6:
            if ByteClass.equals(bytes, range, "Accept") { return "Accept" }
            if ByteClass.equals(bytes, range, "Cookie") { return "Cookie" }
            if ByteClass.equals(bytes, range, "Origin") { return "Origin" }
            if ByteClass.equals(bytes, range, "Expect") { return "Expect" }
        case 7:
            if ByteClass.equals(bytes, range, "Referer") { return "Referer" }
        case 10:
            if ByteClass.equals(bytes, range, "User-Agent") { return "User-Agent" }
            if ByteClass.equals(bytes, range, "Connection") { return "Connection" }
        case 12:
            if ByteClass.equals(bytes, range, "Content-Type") { return "Content-Type" }
            if ByteClass.equals(bytes, range, "X-Request-Id") { return "X-Request-Id" }
        case 13:
            if ByteClass.equals(bytes, range, "Authorization") { return "Authorization" }
            if ByteClass.equals(bytes, range, "Cache-Control") { return "Cache-Control" }
        case 14:
            if ByteClass.equals(bytes, range, "Content-Length") { return "Content-Length" }
        case 15:
            if ByteClass.equals(bytes, range, "Accept-Encoding") { return "Accept-Encoding" }
            if ByteClass.equals(bytes, range, "Accept-Language") { return "Accept-Language" }
            if ByteClass.equals(bytes, range, "X-Forwarded-For") { return "X-Forwarded-For" }
        case 17:
            if ByteClass.equals(bytes, range, "Transfer-Encoding") { return "Transfer-Encoding" }
            if ByteClass.equals(bytes, range, "X-Forwarded-Proto") { return "X-Forwarded-Proto" }
        default:
            break
        }
        return nil
    }

    /// RFC 9112 §6.1–§6.3. Content-Length: 0 gives `.contentLength(0)`, so that a present and an absent
    /// Content-Length stay distinguishable; the connection treats both as "no body".
    private func bodyFraming(_ bytes: UnsafeRawBufferPointer, minor: Int) throws(ParseError) -> BodyFraming {
        if codings.present {
            // §6.1: "A server MAY reject a request that contains both Content-Length and Transfer-Encoding",
            // and it must close after it in any case: refuse it (request smuggling, §11.2).
            guard contentLengthCount == 0 else { throw .contentLengthWithTransferEncoding }
            // §6.1: a server MUST treat such a message as faulty and close; we refuse it outright.
            guard minor == 1 else { throw .transferEncodingInHTTP10 }
            return try codings.framing()
        }
        guard let contentLength else { return .none }
        // §6.3 item 5: several Content-Length values, even equal, are refused rather than merged.
        guard contentLengthCount == 1 else { throw .duplicateContentLength }
        guard !contentLength.isEmpty else { throw .invalidContentLength }
        // Content-Length = 1*DIGIT (§8.6), with overflow refused rather than wrapped.
        var length = 0
        for index in contentLength {
            let byte = bytes[index]
            guard ByteClass.isDigit(byte) else {
                throw byte == UInt8(ascii: ",") ? .duplicateContentLength : .invalidContentLength
            }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- 0x30))
            guard !overflow1 && !overflow2 else { throw .invalidContentLength }
            length = sum
        }
        return .contentLength(length)
    }
}

/// The transfer codings of every Transfer-Encoding field, in order, as one list (RFC 9110 §5.3).
struct TransferCodings {
    private(set) var present = false
    private var count = 0
    private var chunkedCount = 0
    private var lastIsChunked = false
    private var unknown = false

    /// RFC 9112 §7: codings we recognise. Anything else (including parameters) is "not understood".
    mutating func add(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) {
        present = true
        ByteClass.forEachListElement(bytes, value) { coding in
            count += 1
            let isChunked = ByteClass.equalsLowercase(bytes, coding, "chunked")
            lastIsChunked = isChunked
            if isChunked {
                chunkedCount += 1
            } else if !(ByteClass.equalsLowercase(bytes, coding, "gzip")
                || ByteClass.equalsLowercase(bytes, coding, "x-gzip")
                || ByteClass.equalsLowercase(bytes, coding, "deflate")
                || ByteClass.equalsLowercase(bytes, coding, "compress"))
            {
                unknown = true
            }
        }
    }

    /// Checked in this order: a coding we do not know (501, §6.1 "SHOULD respond with 501"), chunked twice
    /// (400, §7.1 "MUST NOT apply chunked more than once"), a final coding that is not chunked (400, §6.3
    /// item 4), known codings before chunked that we do not decode (501).
    func framing() throws(ParseError) -> BodyFraming {
        if unknown { throw .unsupportedTransferCoding }
        if chunkedCount > 1 { throw .chunkedAppliedTwice }
        if !lastIsChunked { throw .transferEncodingNotChunked }
        if count > 1 { throw .unsupportedTransferCoding }
        return .chunked
    }
}
