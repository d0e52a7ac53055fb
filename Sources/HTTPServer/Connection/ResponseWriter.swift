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
        if !bodyless && response.stream == nil {
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
            out.append(contentsOf: String(response.body.count).utf8)
        } else if !bodyless && version == .http1_1 {
            out.append(contentsOf: "\r\nTransfer-Encoding: chunked".utf8)
        }  // an HTTP/1.0 stream is delimited by closing the connection (RFC 9112 §6.3)
        out.append(contentsOf: "\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: requestID.utf8)
        if !keepAlive {
            out.append(contentsOf: "\r\nConnection: close".utf8)
        } else if version == .http1_0 {
            out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        out.append(contentsOf: "\r\n\r\n".utf8)
        if !omitBody && !bodyless && response.stream == nil { out.append(contentsOf: response.body) }
        return out
    }
}

extension ResponseWriter {
    /// One piece of a streamed body: a chunk (RFC 9112 §7.1) for HTTP/1.1, the bytes as they are for HTTP/1.0.
    static func chunk(_ bytes: [UInt8], version: HTTPVersion) -> [UInt8] {
        guard version == .http1_1 else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 12)
        out.append(contentsOf: String(bytes.count, radix: 16).utf8)
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: bytes)
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    /// The end of a streamed body: the last chunk with no trailers for HTTP/1.1, nothing for HTTP/1.0.
    static func lastChunk(version: HTTPVersion) -> [UInt8] {
        version == .http1_1 ? Array("0\r\n\r\n".utf8) : []
    }
}
