import JSON

/// A response to write. `Content-Length`, `Date`, `Connection` and `X-Request-Id` are added by the server.
/// With a `stream`, `body` is ignored and the body is pulled from the stream and sent with
/// `Transfer-Encoding: chunked` (RFC 9112 §7.1); an HTTP/1.0 client gets it unframed and the connection closes.
public struct Response: Sendable {
    public var status: Int
    public var headers: HeaderFields
    public var body: [UInt8]
    public var stream: (any ResponseBodyStream)?
    /// Fields the handler adds to the request's access-log line (the org, the listener), never secrets or bodies.
    public var logFields: [(String, String)] = []

    public init(status: Int, headers: HeaderFields = HeaderFields(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: String) {
        self.status = status
        self.headers = HeaderFields([("Content-Type", contentType)])
        self.body = Array(body.utf8)
    }

    /// A body produced piece by piece while it is sent.
    public static func streaming(status: Int = 200, headers: HeaderFields, _ stream: any ResponseBodyStream) -> Response {
        var response = Response(status: status, headers: headers)
        response.stream = stream
        return response
    }

    public static func text(_ text: String, status: Int = 200) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: text)
    }

    public static func json(_ bytes: [UInt8], status: Int = 200) -> Response {
        Response(status: status, headers: HeaderFields([("Content-Type", "application/json")]), body: bytes)
    }

    /// An RFC 9457 problem document: the one builder of every problem+json answer (the server's own errors, the
    /// application's, the listener's refusals).
    public static func problem(
        status: Int, detail: String, errors: [(field: String, message: String)] = [], extraHeaders: [(String, String)] = []
    ) -> Response {
        var response = Response(
            status: status, headers: HeaderFields([("Content-Type", "application/problem+json")]),
            body: problemBody(status: status, detail: detail, errors: errors))
        for (name, value) in extraHeaders { response.headers.add(name, value) }
        return response
    }

    /// The bytes of a problem document: type, title, status, detail and, when there are any, the fields in error.
    public static func problemBody(status: Int, detail: String, errors: [(field: String, message: String)] = []) -> [UInt8] {
        var body = "{\"type\":\"about:blank\",\"title\":"
        JSONWriter.quote(HTTPStatus.reason(status), into: &body)
        body += ",\"status\":\(status),\"detail\":"
        JSONWriter.quote(detail, into: &body)
        if !errors.isEmpty {
            body += ",\"errors\":["
            for (index, error) in errors.enumerated() {
                body += index == 0 ? "{\"field\":" : ",{\"field\":"
                JSONWriter.quote(error.field, into: &body)
                body += ",\"message\":"
                JSONWriter.quote(error.message, into: &body)
                body += "}"
            }
            body += "]"
        }
        body += "}"
        return Array(body.utf8)
    }
}

/// Reason phrases (RFC 9110 §15).
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 207: "Multi-Status"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
