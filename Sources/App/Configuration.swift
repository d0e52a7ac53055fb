import Delivery
import HTTPServer
import Telemetry

/// Everything `crmhub` can be told, validated. Built by ``ConfigurationLoader`` from `CRMHUB_*`
/// environment variables and command-line flags (flags win).
public struct Configuration: Sendable {
    public var databaseURL: String
    /// `CRMHUB_READ_DATABASE_URL`: a streaming replica that serves the read API (`/api/v1`); nil reads the primary.
    public var readDatabaseURL: String?
    public var httpAddress: BindAddress?
    public var httpsAddress: BindAddress?
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var trustedProxies: [CIDR]
    public var databasePoolSize: Int
    /// `CRMHUB_DB_PREPARED_STATEMENTS`: off behind a transaction pooler.
    public var databasePreparedStatements: Bool
    public var logLevel: LogLevel
    public var migrationsDirectory: String
    /// The OpenAPI document served at `/openapi.yaml`.
    public var openAPIFile: String
    /// The admin console's folder (`index.html` and `assets/`) served at `/console/`.
    public var consoleDirectory: String
    public var migrateOnStart: Bool
    public var ioThreads: Int
    public var maxConnections: Int
    public var maxConnectionsPerClient: Int
    public var maxBodyMemory: Int
    public var maxBodyBytes: Int
    public var headerTimeoutSeconds: Int
    public var bodyTimeoutSeconds: Int
    public var idleTimeoutSeconds: Int
    public var shutdownGraceSeconds: Int
    /// Seconds between SIGTERM and closing the listeners, while `/readyz` reports draining (load balancers and
    /// Kubernetes endpoints stop sending new requests first).
    public var drainDelaySeconds: Int
    public var statementTimeoutSeconds: Int
    public var bootstrapAdminToken: String?
    /// Days a listener request stays in the log; 0 keeps it forever.
    public var listenerLogRetentionDays: Int
    public var listenerLogPurgeIntervalSeconds: Int
    /// The delivery workers (`CRMHUB_DELIVERY_*`).
    public var delivery: DeliveryConfiguration
    /// Encrypts SMTP passwords and SMS provider secrets (`CRMHUB_SECRET_KEY`); without it they cannot be saved.
    public var secretKey: String?

    public init(databaseURL: String) {
        self.databaseURL = databaseURL
        readDatabaseURL = nil
        httpAddress = BindAddress(host: "127.0.0.1", port: 8080)
        httpsAddress = nil
        tlsCertificateFile = nil
        tlsKeyFile = nil
        trustedProxies = []
        databasePoolSize = 16
        databasePreparedStatements = true
        logLevel = .info
        migrationsDirectory = "sql"
        openAPIFile = "openapi/openapi.yaml"
        consoleDirectory = "console"
        migrateOnStart = true
        ioThreads = 2
        maxConnections = 10_000
        maxConnectionsPerClient = 512
        maxBodyMemory = 256 << 20
        maxBodyBytes = 1 << 20
        headerTimeoutSeconds = 10
        bodyTimeoutSeconds = 30
        idleTimeoutSeconds = 60
        shutdownGraceSeconds = 10
        drainDelaySeconds = 0
        statementTimeoutSeconds = 30
        bootstrapAdminToken = nil
        listenerLogRetentionDays = 30
        listenerLogPurgeIntervalSeconds = 600
        delivery = DeliveryConfiguration()
        secretKey = nil
    }
}

/// A setting that could not be used; the message names it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let setting: String
    public let reason: String
    public var description: String { "\(setting): \(reason)" }
}
