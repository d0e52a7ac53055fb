import COpenSSL
import Synchronization

/// Server TLS settings: TLS 1.2 and 1.3 only, forward-secret AEAD suites, certificate chain and key from PEM files.
///
/// ``reload()`` builds a fresh `SSL_CTX` from the files; connections already open keep the context they
/// started with (OpenSSL reference-counts it), new connections get the new one.
public final class TLSContext: Sendable {
    public let certificateFile: String
    public let keyFile: String
    private let current: Mutex<ContextHandle>

    /// Mozilla "intermediate" TLS 1.2 suites; TLS 1.3 suites are OpenSSL's defaults (all AEAD).
    static let tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    public init(certificateFile: String, keyFile: String) throws(TLSError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        current = Mutex(try Self.makeContext(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// Re-reads the certificate and key. On failure the old context stays in use.
    public func reload() throws(TLSError) {
        let fresh = try Self.makeContext(certificateFile: certificateFile, keyFile: keyFile)
        current.withLock { $0 = fresh }
    }

    /// A new `SSL` for an accepted socket, in server mode.
    func makeSession(fd: Int32) -> OpaquePointer? {
        current.withLock { handle in
            guard let ssl = SSL_new(handle.pointer) else { return nil }
            SSL_set_fd(ssl, fd)
            SSL_set_accept_state(ssl)
            return ssl
        }
    }

    private static func makeContext(certificateFile: String, keyFile: String) throws(TLSError) -> ContextHandle {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new") }
        let handle = ContextHandle(pointer: context)
        guard copenssl_ctx_set_min_proto_version(context, TLS1_2_VERSION) == 1,
            copenssl_ctx_set_max_proto_version(context, TLS1_3_VERSION) == 1
        else { throw TLSError("setting TLS versions") }
        _ = copenssl_ctx_set_options(
            context, copenssl_op_no_renegotiation() | copenssl_op_no_compression() | copenssl_op_cipher_server_preference())
        _ = copenssl_ctx_set_mode(
            context,
            copenssl_mode_release_buffers() | copenssl_mode_accept_moving_write_buffer() | copenssl_mode_enable_partial_write())
        guard SSL_CTX_set_cipher_list(context, tls12Ciphers) == 1 else { throw TLSError("setting TLS 1.2 ciphers") }
        // Mozilla's "intermediate" configuration: these three groups and no others (X448 and P-521 are refused).
        guard copenssl_ctx_set1_groups_list(context, "X25519:P-256:P-384") == 1 else {
            throw TLSError("setting key exchange groups")
        }
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw TLSError("loading certificate chain \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError("loading private key \(keyFile)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError("private key \(keyFile) does not match certificate \(certificateFile)")
        }
        return handle
    }
}

/// Owns one reference to an `SSL_CTX`.
final class ContextHandle: @unchecked Sendable {
    // Invariant: the SSL_CTX is never mutated after construction; SSL_new on it is thread-safe.
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_CTX_free(pointer) }
}
