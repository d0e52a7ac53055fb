import COpenSSL
import Foundation
import Glibc

/// A real TLS client (OpenSSL, certificate verification on) for end-to-end tests of the HTTPS listener.
public final class TLSTestClient: @unchecked Sendable {
    // Invariant: one test uses it at a time; calls run serially inside `blocking`; `socketClosed` only changes in
    // `abandon`, after which only `deinit` touches the socket.
    private let fd: Int32
    private var socketClosed = false
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    public let negotiatedVersion: String
    public let peerCertificateSerial: String

    /// Connects and completes the handshake, verifying the server against `caFile` and the name "localhost".
    /// `maxVersion` (e.g. TLS1_1_VERSION) lets a test offer only old protocol versions.
    public init(port: Int, caFile: String, minVersion: Int32 = TLS1_VERSION, maxVersion: Int32 = TLS1_3_VERSION) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, let context = SSL_CTX_new(TLS_client_method()) else {
            close(fd)
            throw TestError("TLS connect failed")
        }
        self.context = context
        _ = copenssl_ctx_set_min_proto_version(context, minVersion)
        _ = copenssl_ctx_set_max_proto_version(context, maxVersion)
        if maxVersion < TLS1_2_VERSION { SSL_CTX_set_security_level(context, 0) }
        SSL_CTX_load_verify_locations(context, caFile, nil)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        guard let ssl = SSL_new(context) else { throw TestError("SSL_new failed") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        _ = copenssl_set_tlsext_host_name(ssl, "localhost")
        SSL_set1_host(ssl, "localhost")
        guard SSL_connect(ssl) == 1 else {
            let code = ERR_get_error()
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            SSL_free(ssl)
            SSL_CTX_free(context)
            close(fd)
            throw TestError(
                "TLS handshake failed: \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
            )
        }
        negotiatedVersion = String(cString: SSL_get_version(ssl))
        if let certificate = SSL_get1_peer_certificate(ssl) {
            let serial = X509_get_serialNumber(certificate)
            let number = ASN1_INTEGER_get(serial)
            peerCertificateSerial = String(number)
            X509_free(certificate)
        } else {
            peerCertificateSerial = ""
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
        if !socketClosed { close(fd) }
    }

    /// Writes bytes without reading anything back.
    public func send(_ raw: String) throws {
        let bytes = Array(raw.utf8)
        guard SSL_write(ssl, bytes, Int32(bytes.count)) == Int32(bytes.count) else { throw TestError("SSL_write failed") }
    }

    /// Reads one record's worth of bytes (0 when the server closed).
    public func readSome() -> Int {
        var chunk = [UInt8](repeating: 0, count: 4096)
        return max(0, Int(SSL_read(ssl, &chunk, Int32(chunk.count))))
    }

    /// Drops the connection without a TLS close_notify: a FIN, or with `reset` an RST (SO_LINGER 0).
    public func abandon(reset: Bool) {
        guard !socketClosed else { return }
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        close(fd)
        socketClosed = true
    }

    /// Sends a request and reads until the response's Content-Length is satisfied.
    public func request(_ raw: String) async throws -> String {
        try await blocking {
            let bytes = Array(raw.utf8)
            guard SSL_write(self.ssl, bytes, Int32(bytes.count)) == Int32(bytes.count) else {
                throw TestError("SSL_write failed")
            }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = SSL_read(self.ssl, &chunk, Int32(chunk.count))
                if count <= 0 { break }
                received += chunk[0..<Int(count)]
                let text = String(decoding: received, as: UTF8.self)
                if let headEnd = text.range(of: "\r\n\r\n") {
                    let head = text[..<headEnd.lowerBound].lowercased()
                    if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                        let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
                        received.count >= text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound) + length
                    {
                        break
                    }
                }
            }
            return String(decoding: received, as: UTF8.self)
        }
    }
}

/// A throwaway CA-less self-signed certificate for "localhost", made with the openssl command.
public enum TestCertificate {
    public static func make(in directory: String, name: String = "server") throws -> (certificate: String, key: String) {
        let certificate = "\(directory)/\(name).crt"
        let key = "\(directory)/\(name).key"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-set_serial", String(Int.random(in: 1000...9_999_999)),
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestError("openssl req failed") }
        return (certificate, key)
    }
}
