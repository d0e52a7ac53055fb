import CRM
import Delivery
import FoundationEssentials
import HTTPServer
import Postgres
import Synchronization
import Telemetry

/// The running service: database pool, HTTP server and routes, started and stopped in order.
public final class Application: Sendable {
    public let configuration: Configuration
    public let logger: Logger
    public let metrics: MetricsRegistry
    public let database: PostgresClient
    public let server: HTTPServer
    public let migrator: Migrator
    private let tls: TLSContext?
    /// The listener request log purge, running between `start()` and `shutdown()` (none when retention is 0).
    private let retention = Mutex<Task<Void, Never>?>(nil)
    /// The outbox delivery workers (`CRMHUB_DELIVERY_WORKERS`; none when 0).
    public let delivery: DeliveryService
    /// Every route as (method, pattern), for the check that the OpenAPI document lists them all.
    public let routeTable: [(method: String, pattern: String)]

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = MetricsRegistry()
        self.metrics = metrics
        migrator = Migrator(directory: configuration.migrationsDirectory)
        database = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL, poolSize: configuration.databasePoolSize,
                statementTimeout: .seconds(configuration.statementTimeoutSeconds)),
            log: { [logger] message in logger.warning(message) })
        if configuration.httpsAddress != nil, let certificate = configuration.tlsCertificateFile,
            let key = configuration.tlsKeyFile
        {
            tls = try TLSContext(certificateFile: certificate, keyFile: key)
        } else {
            tls = nil
        }
        Self.registerPoolMetrics(database, in: metrics)
        var router = Router(defaultBodyLimit: configuration.maxBodyBytes)
        let openAPIDocument = (try? String(contentsOfFile: configuration.openAPIFile, encoding: .utf8)).map { Array($0.utf8) }
        if openAPIDocument == nil {
            logger.warning("OpenAPI document not readable; /openapi.yaml answers 404", [("file", configuration.openAPIFile)])
        }
        Routes.register(in: &router, application: (database, migrator, metrics, logger), openAPIDocument: openAPIDocument)
        let secrets: SecretBox? = try configuration.secretKey.map { try SecretBox(keyText: $0) }
        let deliverer = Deliverer(
            settings: DeliverySettingsStore(scope: OrgScope(database: database)), secrets: secrets, configuration: configuration.delivery)
        Routes.registerDelivery(in: &router, database: database, deliverer: deliverer, secrets: secrets)
        let backlog = Backlog()
        delivery = DeliveryService(
            scope: OrgScope(database: database), deliverer: deliverer, configuration: configuration.delivery,
            metrics: DeliveryMetrics(metrics, backlog: backlog), backlog: backlog, logger: logger)
        routeTable = router.routes.map { (method: $0.method.rawValue, pattern: $0.pattern) }
        server = try HTTPServer(
            configuration: ServerConfiguration(
                httpAddress: configuration.httpAddress, httpsAddress: configuration.httpsAddress, tls: tls,
                ioThreads: configuration.ioThreads, maxConnections: configuration.maxConnections,
                headerTimeout: .seconds(configuration.headerTimeoutSeconds),
                bodyTimeout: .seconds(configuration.bodyTimeoutSeconds),
                idleTimeout: .seconds(configuration.idleTimeoutSeconds),
                trustedProxies: configuration.trustedProxies,
                shutdownGracePeriod: .seconds(configuration.shutdownGraceSeconds)),
            router: router, logger: logger, metrics: metrics, errorResponder: Problem.responder(logger: logger))
    }

    /// Migrates (unless told not to) and starts listening.
    public func start() async throws {
        if configuration.migrateOnStart {
            let applied = try await migrator.migrate(database)
            for migration in applied {
                logger.info("migration applied", [("version", String(migration.version)), ("name", migration.name)])
            }
        }
        if let token = configuration.bootstrapAdminToken {
            try await PlatformTokenStore(scope: OrgScope(database: database)).installBootstrap(token)
            logger.info("bootstrap admin token installed")
        }
        try server.start()
        startRetention()
        delivery.start()
        var fields: [(String, String)] = []
        if let port = server.httpPort, let address = configuration.httpAddress {
            fields.append(("http", "http://\(BindAddress(host: address.host, port: port))"))
        }
        if let port = server.httpsPort, let address = configuration.httpsAddress {
            fields.append(("https", "https://\(BindAddress(host: address.host, port: port))"))
        }
        if fields.isEmpty {
            // crmhub worker: no port is opened, so nothing is "listening".
            logger.info("crmhub started without an HTTP listener", [
                ("delivery_workers", String(configuration.delivery.workers)), ("version", CRMHubVersion.current),
            ])
        } else {
            logger.info("crmhub listening", fields + [("version", CRMHubVersion.current)])
        }
    }

    /// Re-reads the TLS certificate and key (SIGHUP). Open connections keep their session.
    public func reloadTLS() {
        guard let tls else { return }
        do {
            try tls.reload()
            logger.info("TLS certificate reloaded", [("file", tls.certificateFile)])
        } catch {
            logger.error("TLS certificate reload failed; keeping the previous one", [("error", error.description)])
        }
    }

    /// Starts purging the listener request log (`CRMHUB_LISTENER_LOG_RETENTION_DAYS`; 0 keeps it forever).
    private func startRetention() {
        guard configuration.listenerLogRetentionDays > 0 else { return }
        let purge = RequestLogRetention(
            store: ListenerRequestStore(scope: OrgScope(database: database)), days: configuration.listenerLogRetentionDays,
            interval: .seconds(configuration.listenerLogPurgeIntervalSeconds), logger: logger)
        retention.withLock { task in
            task?.cancel()
            task = Task { await purge.run() }
        }
    }

    /// Stops accepting, finishes in-flight requests, stops the purge, then closes the pool.
    public func shutdown() async {
        logger.info("shutting down", [("in_flight", String(server.inFlightRequests))])
        await server.shutdown()
        await delivery.stop()
        let purge = retention.withLock { task in
            defer { task = nil }
            return task
        }
        purge?.cancel()
        await purge?.value
        await database.shutdown()
        logger.info("stopped")
        logger.flush()
    }

    private static func registerPoolMetrics(_ database: PostgresClient, in metrics: MetricsRegistry) {
        metrics.gauge("crmhub_db_pool_connections", help: "Pool connections by state.", labels: ["state"]) {
            let stats = database.stats
            return [(["in_use"], Double(stats.inUse)), (["idle"], Double(stats.idle)), (["waiting"], Double(stats.waiting))]
        }
        metrics.gauge("crmhub_db_pool_size", help: "Configured pool size.") {
            [([], Double(database.stats.size))]
        }
    }
}
