import Glibc

/// SIGPIPE's default action ends the process. OpenSSL writes to its sockets with plain `write()`, and a client
/// that closes mid-handshake or mid-response would stop the whole server; a closed log pipe would do the same.
/// Ignored once for the whole process, every such write returns `EPIPE`, which its caller handles as a closed peer.
public enum BrokenPipe {
    private static let ignored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Ignores SIGPIPE for the whole process (idempotent; called by `main` and by everything that opens sockets).
    public static func ignoreSignal() {
        _ = ignored
    }
}
