/// A complete request as handlers see it: head, body, route parameters and where it came from.
public struct Request: Sendable {
    public var head: RequestHead
    public var body: [UInt8]
    /// Trailer fields of a chunked body.
    public var trailers: HeaderFields
    /// Route parameters, percent-decoded.
    public var parameters: [String: String]
    /// The route pattern that matched (e.g. "/admin/v1/orgs/{org}"), for logs and metrics.
    public var route: String
    /// The client: the socket peer, or the first untrusted hop of X-Forwarded-For when the peer is a trusted proxy.
    public var clientAddress: IPAddress?
    /// The socket peer itself.
    public var peerAddress: IPAddress?
    public var requestID: String
    /// Whether the request arrived over TLS.
    public var isSecure: Bool
    /// Index of the matched route (-1 when none), for metrics.
    var routeIndex = -1

    public init(
        head: RequestHead, body: [UInt8] = [], trailers: HeaderFields = HeaderFields(),
        parameters: [String: String] = [:], route: String = "", clientAddress: IPAddress? = nil,
        peerAddress: IPAddress? = nil, requestID: String = "", isSecure: Bool = false
    ) {
        self.head = head
        self.body = body
        self.trailers = trailers
        self.parameters = parameters
        self.route = route
        self.clientAddress = clientAddress
        self.peerAddress = peerAddress
        self.requestID = requestID
        self.isSecure = isSecure
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HeaderFields { head.headers }

    /// Query parameters, form-decoded ("+" is a space), in order.
    public var queryItems: [(name: String, value: String)] {
        guard let query = head.query else { return [] }
        return FormDecoding.decode(query)
    }

    /// The first value of a query parameter.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// `application/x-www-form-urlencoded` decoding (WHATWG URL §5.1), shared by query strings and form bodies.
public enum FormDecoding {
    public static func decode(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (
                    percentDecode(pair[..<equals], plusIsSpace: true),
                    percentDecode(pair[pair.index(after: equals)...], plusIsSpace: true)
                )
            }
            return (percentDecode(pair, plusIsSpace: true), "")
        }
    }

    /// Decodes %XX escapes; invalid escapes are kept as they are. Invalid UTF-8 becomes U+FFFD.
    public static func percentDecode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]), let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+") && plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
