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

    public init(
        httpAddress: BindAddress? = BindAddress(host: "127.0.0.1", port: 8080),
        httpsAddress: BindAddress? = nil,
        tls: TLSContext? = nil,
        ioThreads: Int = 2,
        parserLimits: ParserLimits = ParserLimits(),
        maxConnections: Int = 10_000,
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        trustedProxies: [CIDR] = [],
        shutdownGracePeriod: Duration = .seconds(10)
    ) {
        self.httpAddress = httpAddress
        self.httpsAddress = httpsAddress
        self.tls = tls
        self.ioThreads = ioThreads
        self.parserLimits = parserLimits
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.trustedProxies = trustedProxies
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let parts = components
        return UInt64(max(0, parts.seconds)) * 1_000_000_000 + UInt64(max(0, parts.attoseconds) / 1_000_000_000)
    }
}
