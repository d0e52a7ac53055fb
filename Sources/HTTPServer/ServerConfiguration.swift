/// How the HTTP server listens, limits and times out. Every field has a production default.
public struct ServerConfiguration: Sendable {
    /// Plain HTTP listener; nil for none.
    public var httpAddress: BindAddress?
    /// TLS listener; needs `tls`.
    public var httpsAddress: BindAddress?
    public var tls: TLSContext?
    /// I/O threads, each with its own epoll instance.
    public var ioThreads: Int
    public var parserLimits: ParserLimits
    /// Open connections above this are answered 503 and closed.
    public var maxConnections: Int
    /// Open connections from one client address (the socket peer) above this are answered 503 and closed. A
    /// connection runs one request at a time, so this also bounds one client's requests in flight.
    public var maxConnectionsPerClient: Int
    /// Request bodies being received or handled, all connections together, in bytes: a body that would go beyond is
    /// answered 503 (with Retry-After) before it is read.
    public var maxBodyMemory: Int
    /// The whole header section must arrive within this time of its first byte (slowloris).
    public var headerTimeout: Duration
    /// The body must arrive within this time of the end of the header section.
    public var bodyTimeout: Duration
    /// An idle keep-alive connection is closed after this time.
    public var idleTimeout: Duration
    /// A response that the client does not read within this time closes the connection.
    public var writeTimeout: Duration
    /// Peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [CIDR]
    /// In-flight requests get this long to finish on shutdown.
    public var shutdownGracePeriod: Duration
    /// Told of every answered request that matched a route (after the answer is queued, on the I/O thread: it
    /// must be quick and never block).
    public var onAnswered: (@Sendable (AnsweredRequest) -> Void)?

    public init(
        httpAddress: BindAddress? = BindAddress(host: "127.0.0.1", port: 8080),
        httpsAddress: BindAddress? = nil,
        tls: TLSContext? = nil,
        ioThreads: Int = 2,
        parserLimits: ParserLimits = ParserLimits(),
        maxConnections: Int = 10_000,
        maxConnectionsPerClient: Int = 512,
        maxBodyMemory: Int = 256 << 20,
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        trustedProxies: [CIDR] = [],
        shutdownGracePeriod: Duration = .seconds(10),
        onAnswered: (@Sendable (AnsweredRequest) -> Void)? = nil
    ) {
        self.httpAddress = httpAddress
        self.httpsAddress = httpsAddress
        self.tls = tls
        self.ioThreads = ioThreads
        self.parserLimits = parserLimits
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.maxBodyMemory = maxBodyMemory
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.trustedProxies = trustedProxies
        self.onAnswered = onAnswered
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let parts = components
        return UInt64(max(0, parts.seconds)) * 1_000_000_000 + UInt64(max(0, parts.attoseconds) / 1_000_000_000)
    }
}
