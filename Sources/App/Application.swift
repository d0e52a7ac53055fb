import CRM
import Delivery
import FoundationEssentials
import HTTPServer
import Listener
import Postgres
import Synchronization
import Telemetry

/// The running service: database pool, HTTP server and routes, started and stopped in order.
public final class Application: Sendable {
    public let configuration: Configuration
    public let logger: Logger
    public let metrics: MetricsRegistry
    public let database: PostgresClient
    /// The pool on `CRMHUB_READ_DATABASE_URL` (a streaming replica) that the read API uses; nil when unset.
    public let readDatabase: PostgresClient?
    public let server: HTTPServer
    public let migrator: Migrator
    private let tls: TLSContext?
    /// The listener request log purge, running between `start()` and `shutdown()` (none when retention is 0).
    private let retention = Mutex<Task<Void, Never>?>(nil)
    /// Counts of the integrations' answers per org, written every few seconds; the writer runs while serving.
    private let integrationHealth: IntegrationHealth
    private let integrationHealthWriter = Mutex<Task<Void, Never>?>(nil)
    /// The outbox delivery workers (`CRMHUB_DELIVERY_WORKERS`; none when 0).
    public let delivery: DeliveryService
    /// Every route as (method, pattern), for the check that the OpenAPI document lists them all.
    public let routeTable: [(method: String, pattern: String)]
    private let drainSignal = DrainSignal()

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = MetricsRegistry()
        self.metrics = metrics
        migrator = Self.migrator(directory: configuration.migrationsDirectory)
        database = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL, poolSize: configuration.databasePoolSize,
                statementTimeout: .seconds(configuration.statementTimeoutSeconds),
                preparedStatements: configuration.databasePreparedStatements),
            log: { [logger] message in logger.warning(message) })
        // `crmhub worker` (no listener) serves no reads.
        if let url = configuration.readDatabaseURL, configuration.httpAddress != nil || configuration.httpsAddress != nil {
            readDatabase = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: url, poolSize: configuration.databasePoolSize,
                    statementTimeout: .seconds(configuration.statementTimeoutSeconds), applicationName: "crmhub-read",
                    preparedStatements: configuration.databasePreparedStatements),
                log: { [logger] message in logger.warning(message) })
        } else {
            readDatabase = nil
        }
        if configuration.httpsAddress != nil, let certificate = configuration.tlsCertificateFile,
            let key = configuration.tlsKeyFile
        {
            tls = try TLSContext(certificateFile: certificate, keyFile: key)
        } else {
            tls = nil
        }
        Self.registerPoolMetrics(database, in: metrics, prefix: "crmhub_db_pool")
        if let readDatabase { Self.registerPoolMetrics(readDatabase, in: metrics, prefix: "crmhub_db_read_pool") }
        var router = Router(defaultBodyLimit: configuration.maxBodyBytes)
        let openAPIDocument = (try? String(contentsOfFile: configuration.openAPIFile, encoding: .utf8)).map { Array($0.utf8) }
        if openAPIDocument == nil {
            logger.warning("OpenAPI document not readable; /openapi.yaml answers 404", [("file", configuration.openAPIFile)])
        }
        let secrets: SecretBox? = try configuration.secretKey.map { try SecretBox(keyText: $0) }
        let deliverer = Deliverer(
            settings: DeliverySettingsStore(scope: OrgScope(database: database)), secrets: secrets,
            configuration: configuration.delivery,
            logger: logger)
        Routes.register(
            in: &router, application: (database, migrator, metrics, logger), readDatabase: readDatabase, draining: drainSignal,
            openAPIDocument: openAPIDocument,
            deliverer: deliverer, secrets: secrets)
        Routes.admitAdminCallers(in: &router, database: database)
        let console = ConsoleFiles(directory: configuration.consoleDirectory)
        if console == nil {
            logger.warning(
                "console folder has no index.html; /console/ answers 404", [("directory", configuration.consoleDirectory)])
        }
        ConsoleRoutes.register(in: &router, files: console)
        let backlog = Backlog()
        delivery = DeliveryService(
            scope: OrgScope(database: database), deliverer: deliverer, configuration: configuration.delivery,
            metrics: DeliveryMetrics(metrics, backlog: backlog), backlog: backlog, logger: logger)
        routeTable = router.routes.map { (method: $0.method.rawValue, pattern: $0.pattern) }
        let integrationHealth = IntegrationHealth(
            store: IntegrationHealthStore(scope: OrgScope(database: database)),
            interval: .seconds(configuration.integrationHealthIntervalSeconds), logger: logger)
        self.integrationHealth = integrationHealth
        server = try HTTPServer(
            configuration: ServerConfiguration(
                httpAddress: configuration.httpAddress, httpsAddress: configuration.httpsAddress, tls: tls,
                ioThreads: configuration.ioThreads, maxConnections: configuration.maxConnections,
                maxConnectionsPerClient: configuration.maxConnectionsPerClient, maxBodyMemory: configuration.maxBodyMemory,
                headerTimeout: .seconds(configuration.headerTimeoutSeconds),
                bodyTimeout: .seconds(configuration.bodyTimeoutSeconds),
                idleTimeout: .seconds(configuration.idleTimeoutSeconds),
                trustedProxies: configuration.trustedProxies,
                shutdownGracePeriod: .seconds(configuration.shutdownGraceSeconds),
                onAnswered: { answered in
                    integrationHealth.observe(
                        route: answered.route, method: answered.method, status: answered.status, seconds: answered.seconds,
                        context: answered.context)
                }),
            router: router, logger: logger, metrics: metrics, errorResponder: Problem.responder(logger: logger))
    }

    /// CRMHub's migrations, preceded by the check that `crmhub_app` exists and may be switched to.
    public static func migrator(directory: String) -> Migrator {
        Migrator(directory: directory, prerequisite: { connection in try ApplicationRole.ensure(on: connection) })
    }

    /// Migrates (unless told not to) and starts listening.
    public func start() async throws {
        if configuration.migrateOnStart, case .unknownApplied(let version) = try await migrator.status(database) {
            // An older instance restarting during a rolling deploy: under the expand/contract rule it runs on the
            // newer schema as it is (`crmhub migrate` still refuses to touch it).
            logger.warning(
                "the database has a migration newer than this build; serving without migrating",
                [("version", String(version))])
        } else if configuration.migrateOnStart {
            let applied = try await migrator.migrate(database)
            for migration in applied {
                logger.info("migration applied", [("version", String(migration.version)), ("name", migration.name)])
            }
        }
        try await applyBootstrapToken()
        try server.start()
        startRetention()
        integrationHealthWriter.withLock { task in
            task?.cancel()
            task = Task { [integrationHealth] in await integrationHealth.run() }
        }
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
            logger.info(
                "crmhub started without an HTTP listener",
                [
                    ("delivery_workers", String(configuration.delivery.workers)), ("version", CRMHubVersion.current),
                ])
        } else {
            logger.info("crmhub listening", fields + [("version", CRMHubVersion.current)])
        }
    }

    /// CRMHUB_BOOTSTRAP_ADMIN_TOKEN: installed when set (unless it was revoked: it stays revoked); when a server
    /// with an HTTP listener starts without it, the one an earlier start installed is revoked. `crmhub worker`
    /// serves no admin API and leaves the token alone.
    private func applyBootstrapToken() async throws {
        // A server started without migrating (--no-migrate) may face a schema without these tables yet.
        if !configuration.migrateOnStart, case .pending = (try? await migrator.status(database)) ?? .current {
            logger.warning("migrations pending: CRMHUB_BOOTSTRAP_ADMIN_TOKEN is not applied until the schema is current")
            return
        }
        let tokens = PlatformTokenStore(scope: OrgScope(database: database))
        if let token = configuration.bootstrapAdminToken {
            let audit = AuditEntry.system("crmhub serve (CRMHUB_BOOTSTRAP_ADMIN_TOKEN)", "platform_token.bootstrap_install")
            switch try await tokens.installBootstrap(token, audit: audit) {
            case .installed: logger.info("bootstrap admin token installed")
            case .unchanged: logger.info("bootstrap admin token already installed")
            case .revoked:
                logger.warning(
                    "CRMHUB_BOOTSTRAP_ADMIN_TOKEN was revoked and stays revoked: set a new value, or use another platform token")
            }
        } else if configuration.httpAddress != nil || configuration.httpsAddress != nil {
            let audit = AuditEntry.system(
                "crmhub serve (CRMHUB_BOOTSTRAP_ADMIN_TOKEN not set)", "platform_token.bootstrap_revoke")
            // Not a reason to refuse to start (the database may be down for a moment; the server waits for it).
            do {
                if let id = try await tokens.revokeBootstrap(audit: audit) {
                    logger.warning(
                        "bootstrap admin token revoked: CRMHUB_BOOTSTRAP_ADMIN_TOKEN is no longer set", [("token_id", String(id))]
                    )
                }
            } catch {
                logger.error(
                    "could not revoke the bootstrap admin token; it stays valid until a start succeeds in revoking it",
                    [("error", String(describing: error))])
            }
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

    /// Starts purging the listener request log (`CRMHUB_LISTENER_LOG_RETENTION_DAYS`; 0 keeps it forever) and expired
    /// idempotency keys.
    private func startRetention() {
        let scope = OrgScope(database: database)
        let purge = RequestLogRetention(
            store: ListenerRequestStore(scope: scope), idempotency: IdempotencyStore(scope: scope),
            integrationHealth: IntegrationHealthStore(scope: scope), days: configuration.listenerLogRetentionDays,
            interval: .seconds(configuration.listenerLogPurgeIntervalSeconds), logger: logger)
        retention.withLock { task in
            task?.cancel()
            task = Task { await purge.run() }
        }
    }

    /// SIGTERM's first step: for `CRMHUB_DRAIN_DELAY` seconds `/readyz` answers 503 "draining" while the listeners
    /// keep serving, so that load balancers stop sending new requests before ``shutdown()`` closes the listeners.
    public func drain() async {
        let delay = configuration.drainDelaySeconds
        guard delay > 0, configuration.httpAddress != nil || configuration.httpsAddress != nil else { return }
        drainSignal.begin()
        logger.info("draining", [("seconds", String(delay))])
        try? await Task.sleep(for: .seconds(delay))
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
        let healthWriter = integrationHealthWriter.withLock { task in
            defer { task = nil }
            return task
        }
        healthWriter?.cancel()
        await healthWriter?.value
        await database.shutdown()
        await readDatabase?.shutdown()
        logger.info("stopped")
        logger.flush()
    }

    private static func registerPoolMetrics(_ database: PostgresClient, in metrics: MetricsRegistry, prefix: String) {
        metrics.gauge("\(prefix)_connections", help: "Pool connections by state.", labels: ["state"]) {
            let stats = database.stats
            return [(["in_use"], Double(stats.inUse)), (["idle"], Double(stats.idle)), (["waiting"], Double(stats.waiting))]
        }
        metrics.gauge("\(prefix)_size", help: "Configured pool size.") {
            [([], Double(database.stats.size))]
        }
    }
}
