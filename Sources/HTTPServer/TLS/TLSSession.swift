import COpenSSL
import Glibc

/// The TLS side of one connection, driven by the connection on its event loop.
final class TLSSession {
    private let ssl: OpaquePointer
    private(set) var handshakeDone = false

    init(ssl: OpaquePointer) { self.ssl = ssl }

    deinit { SSL_free(ssl) }

    enum IOResult {
        case bytes(Int)
        case wantRead
        case wantWrite
        case closed
        case failed
    }

    /// Advances the handshake; `.bytes(0)` once it is complete.
    func handshake() -> IOResult {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeDone = true
            return .bytes(0)
        }
        return classify(result)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        let result = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        return result > 0 ? .bytes(Int(result)) : classify(result)
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> IOResult {
        let result = SSL_write(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        return result > 0 ? .bytes(Int(result)) : classify(result)
    }

    /// Sends close_notify, best effort.
    func shutdown() {
        if handshakeDone { SSL_shutdown(ssl) }
    }

    private func classify(_ result: Int32) -> IOResult {
        let code = SSL_get_error(ssl, result)
        ERR_clear_error()
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL: return errno == EAGAIN ? .wantRead : .closed
        default: return .failed
        }
    }
}
