import COpenSSL
import Glibc
import Platform

/// One outbound TCP connection with blocking I/O and timeouts, optionally upgraded to TLS (at once, or later for
/// STARTTLS). For worker threads only: every call may block up to the timeout.
public final class BlockingConnection {
    public let host: String
    private let fd: Int32
    private var ssl: OpaquePointer?
    private var buffer: [UInt8] = []
    private var bufferStart = 0

    /// Resolves `host`, connects within `timeout` to the first address `policy` permits that answers, and sets the
    /// same timeout on every later read and write.
    public init(host: String, port: Int, timeout: Duration, policy: AddressPolicy = .any) throws(NetworkError) {
        BrokenPipe.ignoreSignal()
        self.host = host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw NetworkError(
                .resolve, "cannot resolve \(host): \(String(cString: gai_strerror(status)))", summary: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var refused: [String] = []
        var permittedAny = false
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            guard let socketAddress = address.pointee.ai_addr, policy.permits(socketAddress) else {
                refused.append(Self.numeric(address.pointee.ai_addr, address.pointee.ai_addrlen))
                continue
            }
            permittedAny = true
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            if Self.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen, timeout: timeout, error: &lastError) {
                var time = timeval(
                    tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                self.fd = fd
                return
            }
            close(fd)
        }
        if !permittedAny && !refused.isEmpty {
            let named = refused == [host] ? host : "\(host) (\(refused.joined(separator: ", ")))"
            let rule = "; connections to private, loopback and link-local addresses are off (CRMHUB_DELIVERY_PRIVATE_TARGETS)"
            throw NetworkError(
                .notAllowed, "\(named) is not a public address" + rule, summary: "\(host) is not a public address" + rule)
        }
        throw NetworkError(
            .connect, "cannot connect to \(host):\(port): \(lastError)", summary: "cannot connect to \(host):\(port)")
    }

    /// The address as digits ("10.0.0.5", "fe80::1").
    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t) -> String {
        var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard let address, getnameinfo(address, length, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return "an unknown address"
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if let ssl {
            SSL_shutdown(ssl)
            SSL_free(ssl)
        }
        close(fd)
    }

    /// Non-blocking connect, waited for with poll, then back to blocking mode.
    private static func connect(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t, timeout: Duration,
        error: inout String
    ) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS else {
                error = String(cString: strerror(errno))
                return false
            }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&pollfd, 1, milliseconds) == 1 else {
                error = "timed out"
                return false
            }
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
            guard code == 0 else {
                error = String(cString: strerror(code))
                return false
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return true
    }

    /// Starts TLS on the connection (implicit TLS at once, or after STARTTLS). Bytes already buffered are
    /// refused: a server that sent data before the handshake is trying to inject plaintext (CVE-2011-0411).
    public func startTLS(_ tls: ClientTLS) throws(NetworkError) {
        guard bufferStart == buffer.count else { throw NetworkError(.tls, "\(host) sent data before the TLS handshake") }
        ssl = try tls.handshake(fd: fd, host: host)
    }

    public var isTLS: Bool { ssl != nil }

    public func write(_ bytes: [UInt8]) throws(NetworkError) {
        var offset = 0
        while offset < bytes.count {
            let written: Int = bytes.withUnsafeBytes { raw in
                let start = raw.baseAddress! + offset, count = raw.count - offset
                if let ssl { return Int(SSL_write(ssl, start, Int32(min(count, Int(Int32.max))))) }
                return Glibc.send(fd, start, count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw failure(written, "writing") }
            offset += written
        }
    }

    public func write(_ text: String) throws(NetworkError) { try write(Array(text.utf8)) }

    /// One line without its CRLF (or bare LF); at most `limit` bytes.
    public func readLine(limit: Int = 8192) throws(NetworkError) -> String {
        while true {
            if let newline = buffer[bufferStart...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > bufferStart, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[bufferStart..<end], as: UTF8.self)
                bufferStart = newline + 1
                return line
            }
            guard buffer.count - bufferStart <= limit else {
                throw NetworkError(.io, "\(host) sent a line longer than \(limit) bytes")
            }
            guard try fill() else { throw NetworkError(.closed, "\(host) closed the connection") }
        }
    }

    /// Exactly `count` bytes.
    public func read(count: Int) throws(NetworkError) -> [UInt8] {
        while buffer.count - bufferStart < count {
            guard try fill() else { throw NetworkError(.closed, "\(host) closed the connection") }
        }
        defer { bufferStart += count }
        return Array(buffer[bufferStart..<(bufferStart + count)])
    }

    /// Everything until the peer closes, at most `limit` bytes.
    public func readToEnd(limit: Int) throws(NetworkError) -> [UInt8] {
        while try fill() {
            guard buffer.count - bufferStart <= limit else { throw NetworkError(.io, "\(host) sent more than \(limit) bytes") }
        }
        defer { bufferStart = buffer.count }
        return Array(buffer[bufferStart...])
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws(NetworkError) -> Bool {
        if bufferStart > 0, bufferStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count: Int = chunk.withUnsafeMutableBytes { raw in
            if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
            return Glibc.recv(fd, raw.baseAddress, raw.count, 0)
        }
        if count == 0 { return false }
        if count < 0 || (ssl != nil && count <= 0) {
            if let ssl, SSL_get_error(ssl, Int32(count)) == SSL_ERROR_ZERO_RETURN { return false }
            throw failure(count, "reading")
        }
        buffer += chunk[0..<count]
        return true
    }

    private func failure(_ result: Int, _ operation: String) -> NetworkError {
        let code = errno
        ERR_clear_error()
        if code == EAGAIN || code == EWOULDBLOCK { return NetworkError(.timeout, "\(host) timed out while \(operation)") }
        if result == 0 { return NetworkError(.closed, "\(host) closed the connection") }
        return NetworkError(.io, "\(operation) \(host) failed: \(String(cString: strerror(code)))")
    }
}
