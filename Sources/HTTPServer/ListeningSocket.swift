import CShims
import Glibc

/// A listening socket on one event loop; accepts until the backlog is empty and hands connections to the loop.
final class ListeningSocket: EventHandler {
    let fd: Int32
    let loop: EventLoop
    let core: ServerCore
    let tls: TLSContext?
    private var closed = false

    init(fd: Int32, loop: EventLoop, core: ServerCore, tls: TLSContext?) {
        self.fd = fd
        self.loop = loop
        self.core = core
        self.tls = tls
    }

    func handleEvents(_ events: UInt32) {
        while !closed {
            switch Socket.accept(fd) {
            case .wouldBlock:
                return
            case .failed(let error):
                // EMFILE/ENFILE: out of descriptors; the next readiness event retries.
                core.logger.warning("accept failed", [("error", error.description)])
                return
            case .accepted(let client, let address):
                admit(client, address)
            }
        }
    }

    func tick(now: UInt64) {}

    private func admit(_ client: Int32, _ address: IPAddress?) {
        let open = core.openConnections.add(1, ordering: .relaxed).newValue
        if open > core.configuration.maxConnections || core.draining.load(ordering: .relaxed) || !core.admitClient(address) {
            _ = core.openConnections.subtract(1, ordering: .relaxed)
            core.refusedConnections.increment()
            refuse(client)
            return
        }
        var session: TLSSession?
        if let tls {
            guard let ssl = tls.makeSession(fd: client) else {
                _ = core.openConnections.subtract(1, ordering: .relaxed)
                core.releaseClient(address)
                Glibc.close(client)
                return
            }
            session = TLSSession(ssl: ssl)
        }
        let connection = Connection(fd: client, loop: loop, core: core, peer: address, tls: session)
        loop.register(client, connection, events: cshims_epollin() | cshims_epollout() | cshims_epollrdhup() | cshims_epollet())
        if session != nil { connection.handleEvents(0) }  // start the handshake if the ClientHello is already here
    }

    /// Over the connection limit: a plain 503 (best effort, never blocking) and close.
    private func refuse(_ client: Int32) {
        if tls == nil {
            let body =
                "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"too many connections\"}"
            let text =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\nRetry-After: 1\r\n\r\n\(body)"
            _ = text.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        }
        Glibc.shutdown(client, Int32(SHUT_WR))
        Glibc.close(client)
    }

    func stop() {
        guard !closed else { return }
        closed = true
        loop.deregister(fd)
        Glibc.close(fd)
    }
}
