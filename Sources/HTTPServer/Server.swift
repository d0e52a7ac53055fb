import Glibc
import Platform
import Synchronization
import Telemetry

/// The HTTP/1.1 server: a fixed set of event loops, each accepting on its own SO_REUSEPORT socket and
/// owning the connections it accepted. Handlers run as Swift tasks; everything else stays on the loops.
public final class HTTPServer: Sendable {
    private let core: ServerCore
    private let loops: [EventLoop]
    private let listeners = Mutex<[LoopBound<ListeningSocket>]>([])
    private let ports = Mutex<(http: Int?, https: Int?)>((nil, nil))

    public init(
        configuration: ServerConfiguration, router: Router, logger: Logger, metrics: MetricsRegistry,
        errorResponder: @escaping ErrorResponder = { _, _ in .problem(status: 500, detail: "internal error") }
    ) throws(SocketError) {
        core = ServerCore(
            configuration: configuration, router: router, logger: logger, metrics: metrics,
            errorResponder: errorResponder)
        var loops: [EventLoop] = []
        for index in 0..<max(1, configuration.ioThreads) { loops.append(try EventLoop(index: index)) }
        self.loops = loops
        let routes = router.routes
        let stats = loops.map(\.requestStats)
        metrics.collector { out in RequestStats.render(stats, routes: routes, into: &out) }
    }

    /// The port the plain listener is bound to (useful after binding port 0).
    public var httpPort: Int? { ports.withLock { $0.http } }
    public var httpsPort: Int? { ports.withLock { $0.https } }

    /// Binds the listeners and starts the loops.
    public func start() throws {
        BrokenPipe.ignoreSignal()
        let configuration = core.configuration
        if configuration.httpsAddress != nil && configuration.tls == nil {
            throw SocketError("HTTPS listener without a certificate", code: EINVAL)
        }
        var created: [(Int32, EventLoop, TLSContext?)] = []
        do {
            if let address = configuration.httpAddress {
                let port = try bind(address, into: &created, tls: nil)
                ports.withLock { $0.http = port }
            }
            if let address = configuration.httpsAddress, let tls = configuration.tls {
                let port = try bind(address, into: &created, tls: tls)
                ports.withLock { $0.https = port }
            }
        } catch {
            for (fd, _, _) in created { close(fd) }
            throw error
        }
        for loop in loops { loop.start() }
        for (fd, loop, tls) in created {
            let listener = ListeningSocket(fd: fd, loop: loop, core: core, tls: tls)
            listeners.withLock { $0.append(LoopBound(listener)) }
            let bound = LoopBound(listener)
            loop.execute { loop.register(fd, bound.value, events: 0x001 | 0x8000_0000) }  // EPOLLIN | EPOLLET
        }
    }

    /// One socket per loop on the same port; port 0 is resolved by the first bind.
    private func bind(
        _ address: BindAddress, into created: inout [(Int32, EventLoop, TLSContext?)], tls: TLSContext?
    )
        throws(SocketError) -> Int
    {
        var port = address.port
        for loop in loops {
            let fd = try Socket.listen(on: BindAddress(host: address.host, port: port), reusePort: true)
            if port == 0 { port = Socket.localPort(fd) }
            created.append((fd, loop, tls))
        }
        return port
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes idle connections,
    /// then stops the loops. Keep-alive responses sent while draining carry `Connection: close`.
    public func shutdown() async {
        core.draining.store(true, ordering: .relaxed)
        for bound in listeners.withLock({ $0 }) {
            let loop = bound.value.loop
            loop.execute { bound.value.stop() }
        }
        for loop in loops {
            loop.execute {
                for case let connection as Connection in loop.registeredHandlers { connection.closeIfIdle() }
            }
        }
        let deadline = MonotonicClock.nanoseconds() + core.configuration.shutdownGracePeriod.nanoseconds
        while core.openConnections.load(ordering: .relaxed) > 0 && MonotonicClock.nanoseconds() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for loop in loops {
            loop.execute {
                for case let connection as Connection in loop.registeredHandlers { connection.close() }
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let loops = self.loops
            OSThread.detach(name: "crmhub-stop") {
                for loop in loops { loop.stop() }
                continuation.resume()
            }
        }
        core.logger.flush()
    }

    public var openConnections: Int { core.openConnections.load(ordering: .relaxed) }
    /// True once ``shutdown()`` has begun.
    public var isDraining: Bool { core.draining.load(ordering: .relaxed) }
    public var inFlightRequests: Int { core.inFlightRequests.load(ordering: .relaxed) }
}

extension Connection {
    /// On shutdown: a connection between requests (or still sending a header section) closes now;
    /// one whose request is complete or whose body is arriving finishes it first.
    func closeIfIdle() {
        switch phase {
        case .head, .handshake:
            if outputStart == output.count { close() }
        default:
            break
        }
    }
}
