import COpenSSL
import Glibc

/// Client-side TLS settings: TLS 1.2 or newer, the server's certificate verified against the system's trust store
/// (plus `extraCAFile`, for private CAs and tests) and its name checked against the host we asked for.
public final class ClientTLS: Sendable {
    // Invariant: the SSL_CTX is configured in init and only read afterwards; SSL_new on it is thread-safe.
    private let context: ContextPointer

    public init(extraCAFile: String? = nil) throws(NetworkError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Self.error("SSL_CTX_new") }
        self.context = ContextPointer(context)
        guard copenssl_ctx_set_min_proto_version(context, TLS1_2_VERSION) == 1 else { throw Self.error("setting TLS versions") }
        guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw Self.error("loading the system trust store") }
        if let extraCAFile, SSL_CTX_load_verify_locations(context, extraCAFile, nil) != 1 {
            throw Self.error("loading CA file \(extraCAFile)")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
    }

    /// Performs the handshake on a connected, blocking socket; the certificate must be valid for `host`.
    func handshake(fd: Int32, host: String) throws(NetworkError) -> OpaquePointer {
        guard let ssl = SSL_new(context.pointer) else { throw Self.error("SSL_new") }
        SSL_set_fd(ssl, fd)
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if isAddress {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = copenssl_set_tlsext_host_name(ssl, host)
            SSL_set1_host(ssl, host)
        }
        guard SSL_connect(ssl) == 1 else {
            let verify = SSL_get_verify_result(ssl)
            let reason =
                verify != X509_V_OK
                ? "certificate verification failed: " + String(cString: X509_verify_cert_error_string(verify))
                : Self.error("handshake").description
            SSL_free(ssl)
            // The verification result is this side's judgement of the certificate, not something the server wrote.
            let summary = verify != X509_V_OK ? "TLS with \(host): \(reason)" : "TLS handshake with \(host) failed"
            throw NetworkError(.tls, "TLS with \(host): \(reason)", summary: summary)
        }
        return ssl
    }

    static func error(_ operation: String) -> NetworkError {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return NetworkError(.tls, messages.isEmpty ? operation : "\(operation): \(messages.joined(separator: "; "))")
    }
}

final class ContextPointer: @unchecked Sendable {
    // Invariant: owns one reference to an SSL_CTX that is not changed after ClientTLS.init.
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_CTX_free(pointer) }
}
