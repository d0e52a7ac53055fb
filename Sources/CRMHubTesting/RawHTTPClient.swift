import Foundation
import Glibc

/// A response as read off the wire by ``RawHTTPClient``.
public struct RawResponse: Sendable {
    public let status: Int
    public let reason: String
    public let version: String
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }

    public var jsonObject: [String: Any] { (try? json() as? [String: Any]) ?? [:] }
}

/// A blocking TCP client that sends raw bytes and parses what comes back, for end-to-end tests.
/// Its blocking calls run on a thread of their own, never on Swift's cooperative pool (the server's
/// handlers need that pool).
public final class RawHTTPClient: @unchecked Sendable {
    // Invariant: used by one test at a time; every socket call happens inside `blocking`, serially.
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, host: String = "127.0.0.1", timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeoutValue = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeoutValue, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeoutValue, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestError("connect to \(host):\(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) async throws {
        try await blocking { [fd] in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                }
                guard written > 0 else { throw TestError("send failed: errno \(errno)") }
                offset += written
            }
        }
    }

    /// Reads one response. HEAD responses have no body: pass `forHead`.
    public func readResponse(forHead: Bool = false) async throws -> RawResponse {
        try await blocking { try self.readResponseBlocking(forHead: forHead) }
    }

    /// Sends a request and reads its response.
    public func request(_ raw: String, forHead: Bool = false) async throws -> RawResponse {
        try await send(raw)
        return try await readResponse(forHead: forHead)
    }

    /// True when the server closed the connection (read returns 0) within the timeout.
    public func isClosedByPeer() async -> Bool {
        (try? await blocking { () -> Bool in
            if !self.buffer.isEmpty { return false }
            var byte: UInt8 = 0
            let count = recv(self.fd, &byte, 1, 0)
            if count == 1 { self.buffer.append(byte) }
            return count == 0 || (count < 0 && errno == ECONNRESET)
        }) ?? false
    }

    public func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Makes the close at deinit an RST instead of a FIN (SO_LINGER with a zero timeout).
    public func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// The chunked body of a response whose head was read with `forHead`.
    public func readChunkedBody() async throws -> [UInt8] {
        try await blocking { try self.readChunkedBlocking() }
    }

    private func readChunkedBlocking() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw TestError("bad chunk size") }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            body += try readBytes(size)
            _ = try readLine()
        }
    }

    /// Every byte until the server closes the connection (what is left after a response read `forHead`).
    public func readToEnd() async throws -> [UInt8] {
        try await blocking {
            while (try? self.fill()) != nil {}
            defer { self.buffer = [] }
            return self.buffer
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count == 0 { throw TestError("connection closed by server") }
        if count < 0 { throw TestError("recv failed: errno \(errno)") }
        buffer.append(contentsOf: chunk[0..<count])
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: 0x0A), index > 0, buffer[index - 1] == 0x0D {
                let line = String(decoding: buffer[0..<(index - 1)], as: UTF8.self)
                buffer.removeFirst(index + 1)
                return line
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    private func readResponseBlocking(forHead: Bool) throws -> RawResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line: \(statusLine)") }
        var headers: [(String, String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestError("bad header line: \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = { (body: [UInt8]) in
            RawResponse(
                status: status, reason: parts.count > 2 ? parts[2] : "", version: parts[0],
                headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
        }
        if status < 200 || status == 204 || status == 304 || forHead { return response([]) }
        if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }) {
            return response(try readBytes(length))
        }
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            return response(try readChunkedBlocking())
        }
        // Body delimited by close.
        while true {
            do { try fill() } catch { break }
        }
        let body = buffer
        buffer = []
        return response(body)
    }
}

/// Runs blocking work on a fresh thread and awaits it.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}

public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
