import NetworkClient

/// A request to send.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, url: HTTPURL, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A response: status, headers (names lower-cased) and the whole body.
public struct OutboundResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }
}

public enum HTTPClientError: Error, Sendable, CustomStringConvertible {
    case network(NetworkError)
    case malformedResponse(String)

    /// Trying again cannot help (see `NetworkError.isPermanent`).
    public var isPermanent: Bool {
        if case .network(let error) = self { return error.isPermanent }
        return false
    }

    public var description: String {
        switch self {
        case .network(let error): error.description
        case .malformedResponse(let reason): "malformed HTTP response: \(reason)"
        }
    }

    /// What an org admin is shown (`NetworkError.summary`); the parse detail stays in the server log.
    public var summary: String {
        switch self {
        case .network(let error): error.summary
        case .malformedResponse: "the answer is not valid HTTP/1.1"
        }
    }
}

/// HTTP/1.1 over a blocking connection, one request per connection (`Connection: close`), TLS with certificate
/// verification for https. Redirects are not followed: a 3xx is returned as it is, so a provider cannot send
/// our credentials to another host.
public struct HTTPClient: Sendable {
    public let tls: ClientTLS
    public let timeout: Duration
    public let maxResponseBytes: Int
    /// The addresses a request's host may resolve to.
    public let addressPolicy: AddressPolicy

    public init(
        tls: ClientTLS, timeout: Duration = .seconds(30), maxResponseBytes: Int = 1 << 20, addressPolicy: AddressPolicy = .any
    ) {
        self.addressPolicy = addressPolicy
        self.tls = tls
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: OutboundRequest) throws(HTTPClientError) -> OutboundResponse {
        do {
            let connection = try BlockingConnection(
                host: request.url.host, port: request.url.port, timeout: timeout, policy: addressPolicy)
            if request.url.isTLS { try connection.startTLS(tls) }
            var head = "\(request.method) \(request.url.target) HTTP/1.1\r\nHost: \(request.url.authority)\r\n"
            for (name, value) in request.headers {
                guard !(name + value).contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    throw HTTPClientError.malformedResponse("header \(name) contains a line break")
                }
                head += "\(name): \(value)\r\n"
            }
            head += "Content-Length: \(request.body.count)\r\nConnection: close\r\n\r\n"
            try connection.write(Array(head.utf8) + request.body)
            return try readResponse(connection, method: request.method)
        } catch let error as HTTPClientError {
            throw error
        } catch let error as NetworkError {
            throw .network(error)
        } catch {
            throw .malformedResponse("\(error)")
        }
    }

    private func readResponse(_ connection: BlockingConnection, method: String) throws -> OutboundResponse {
        var status = 0
        var headers: [(name: String, value: String)] = []
        repeat {  // 1xx interim responses are skipped
            let statusLine = try connection.readLine()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (100...599).contains(code) else {
                throw HTTPClientError.malformedResponse("status line '\(statusLine.prefix(100))'")
            }
            status = code
            headers = []
            while true {
                let line = try connection.readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else {
                    throw HTTPClientError.malformedResponse("header line without a colon")
                }
                headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingSpacesAndTabs))
                guard headers.count <= 100 else { throw HTTPClientError.malformedResponse("more than 100 header lines") }
            }
        } while status < 200
        let response = { (body: [UInt8]) in OutboundResponse(status: status, headers: headers, body: body) }
        if method == "HEAD" || status == 204 || status == 304 { return response([]) }
        if headers.contains(where: { $0.name == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
            return response(try readChunked(connection))
        }
        if let length = headers.first(where: { $0.name == "content-length" }).map({ Int($0.value) }) {
            guard let length, length >= 0, length <= maxResponseBytes else {
                throw HTTPClientError.malformedResponse("Content-Length")
            }
            return response(try connection.read(count: length))
        }
        return response(try connection.readToEnd(limit: maxResponseBytes))
    }

    private func readChunked(_ connection: BlockingConnection) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try connection.readLine()
            guard let size = Self.chunkSize(sizeLine.prefix { $0 != ";" }.trimmingSpacesAndTabs) else {
                throw HTTPClientError.malformedResponse("chunk size")
            }
            if size == 0 {
                var trailers = 0
                while try !connection.readLine().isEmpty {
                    trailers += 1
                    guard trailers <= 100 else { throw HTTPClientError.malformedResponse("more than 100 trailer lines") }
                }
                return body
            }
            // Subtracting keeps a hostile size such as 7fffffffffffffff from overflowing `body.count + size`.
            guard size <= maxResponseBytes - body.count else { throw HTTPClientError.malformedResponse("body too large") }
            body += try connection.read(count: size)
            _ = try connection.readLine()
        }
    }
}

extension HTTPClient {
    /// A chunk size (RFC 9112 §7.1): hex digits only (no sign, no space), at most 15 of them so the value fits.
    static func chunkSize(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 15, text.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
        return Int(text, radix: 16)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

extension StringProtocol {
    var trimmingSpacesAndTabs: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
