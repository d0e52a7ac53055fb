/// Serialises a response head and body into the bytes sent on the wire (RFC 9112 §4, §6).
enum ResponseWriter {
    static func serialize(
        _ response: Response, requestID: String, date: [UInt8], version: HTTPVersion, keepAlive: Bool, omitBody: Bool
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + response.body.count)
        out.append(contentsOf: version == .http1_0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        out.append(contentsOf: String(response.status).utf8)
        out.append(0x20)
        out.append(contentsOf: HTTPStatus.reason(response.status).utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date)
        for (name, value) in response.headers {
            out.append(contentsOf: "\r\n".utf8)
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
        }
        // 1xx, 204 and 304 carry no body and no Content-Length (RFC 9110 §8.6).
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        if !bodyless {
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
            out.append(contentsOf: String(response.body.count).utf8)
        }
        out.append(contentsOf: "\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: requestID.utf8)
        if !keepAlive {
            out.append(contentsOf: "\r\nConnection: close".utf8)
        } else if version == .http1_0 {
            out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        out.append(contentsOf: "\r\n\r\n".utf8)
        if !omitBody && !bodyless { out.append(contentsOf: response.body) }
        return out
    }
}
