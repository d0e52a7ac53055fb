import CRM
import HTTPServer
import Telemetry

/// One `CRMHUB_*` setting: its flag, what it means, its default, and how it is applied.
struct Setting: Sendable {
    let environment: String
    let flag: String
    let help: String
    let defaultText: String
    let isSecret: Bool
    let apply: @Sendable (String, inout Configuration) throws(ConfigurationError) -> Void

    init(
        _ environment: String, flag: String, default defaultText: String, secret: Bool = false, help: String,
        apply: @escaping @Sendable (String, inout Configuration) throws(ConfigurationError) -> Void
    ) {
        self.environment = environment
        self.flag = flag
        self.help = help
        self.defaultText = defaultText
        self.isSecret = secret
        self.apply = apply
    }
}

/// The table of every setting; `crmhub --help` prints it.
enum Settings {
    static let all: [Setting] = general + delivery

    static let general: [Setting] = [
        Setting(
            "CRMHUB_DATABASE_URL", flag: "--database-url", default: "(required)", secret: true,
            help:
                "PostgreSQL connection: libpq URI (postgresql://…, several hosts and target_session_attrs allowed) or key=value conninfo"
        ) { value, config throws(ConfigurationError) in
            guard !value.isEmpty else { throw ConfigurationError(setting: "CRMHUB_DATABASE_URL", reason: "must not be empty") }
            config.databaseURL = value
        },
        Setting(
            "CRMHUB_READ_DATABASE_URL", flag: "--read-database-url", default: "(none: reads use CRMHUB_DATABASE_URL)",
            secret: true,
            help:
                "a streaming replica (hot standby) that serves the read API /api/v1 and its exports, with its own pool; it may lag the primary"
        ) { value, config in
            config.readDatabaseURL = value.isEmpty ? nil : value
        },
        Setting(
            "CRMHUB_HTTP_ADDRESS", flag: "--http-address", default: "127.0.0.1:8080",
            help: "host:port of the plain HTTP listener, or 'off'"
        ) { value, config throws(ConfigurationError) in
            config.httpAddress = try address(value, setting: "CRMHUB_HTTP_ADDRESS")
        },
        Setting(
            "CRMHUB_HTTPS_ADDRESS", flag: "--https-address", default: "off",
            help: "host:port of the TLS listener (needs CRMHUB_TLS_CERT_FILE and CRMHUB_TLS_KEY_FILE), or 'off'"
        ) { value, config throws(ConfigurationError) in
            config.httpsAddress = try address(value, setting: "CRMHUB_HTTPS_ADDRESS")
        },
        Setting(
            "CRMHUB_TLS_CERT_FILE", flag: "--tls-cert-file", default: "",
            help: "PEM certificate chain for the TLS listener; re-read on SIGHUP"
        ) { value, config in
            config.tlsCertificateFile = value.isEmpty ? nil : value
        },
        Setting(
            "CRMHUB_TLS_KEY_FILE", flag: "--tls-key-file", default: "",
            help: "PEM private key for the TLS listener; re-read on SIGHUP"
        ) { value, config in
            config.tlsKeyFile = value.isEmpty ? nil : value
        },
        Setting(
            "CRMHUB_TRUSTED_PROXIES", flag: "--trusted-proxies", default: "",
            help: "comma-separated CIDR ranges (IPv4/IPv6) whose X-Forwarded-For is believed"
        ) { value, config throws(ConfigurationError) in
            var ranges: [CIDR] = []
            for part in value.split(separator: ",") {
                let text = part.trimmingCharacters(in: " \t")
                guard !text.isEmpty else { continue }
                guard let range = CIDR(text) else {
                    throw ConfigurationError(
                        setting: "CRMHUB_TRUSTED_PROXIES", reason: "'\(text)' is not an address or CIDR range")
                }
                ranges.append(range)
            }
            config.trustedProxies = ranges
        },
        Setting(
            "CRMHUB_DB_POOL_SIZE", flag: "--db-pool-size", default: "16",
            help: "PostgreSQL connections in the pool (each has its own thread)"
        ) { value, config throws(ConfigurationError) in
            config.databasePoolSize = try integer(value, setting: "CRMHUB_DB_POOL_SIZE", in: 1...500)
        },
        Setting(
            "CRMHUB_DB_PREPARED_STATEMENTS", flag: "--db-prepared-statements", default: "on",
            help: "on: named statements prepared once per connection; off: unnamed ones, for a transaction pooler (PgBouncer)"
        ) { value, config throws(ConfigurationError) in
            config.databasePreparedStatements = try boolean(value, setting: "CRMHUB_DB_PREPARED_STATEMENTS")
        },
        Setting(
            "CRMHUB_LOG_LEVEL", flag: "--log-level", default: "info",
            help: "debug, info, warning or error; info logs one JSON line per request"
        ) { value, config throws(ConfigurationError) in
            guard let level = LogLevel(name: value) else {
                throw ConfigurationError(
                    setting: "CRMHUB_LOG_LEVEL", reason: "'\(value)' is not one of debug, info, warning, error")
            }
            config.logLevel = level
        },
        Setting(
            "CRMHUB_MIGRATIONS_DIR", flag: "--migrations-dir", default: "sql",
            help: "folder of NNNN_name.sql migrations"
        ) { value, config in
            config.migrationsDirectory = value
        },
        Setting(
            "CRMHUB_OPENAPI_FILE", flag: "--openapi-file", default: "openapi/openapi.yaml",
            help: "the OpenAPI document served at /openapi.yaml"
        ) { value, config in
            config.openAPIFile = value
        },
        Setting(
            "CRMHUB_CONSOLE_DIR", flag: "--console-dir", default: "console",
            help: "the admin console's folder (index.html, assets/) served at /console/"
        ) { value, config in
            config.consoleDirectory = value
        },
        Setting(
            "CRMHUB_MIGRATE", flag: "--migrate", default: "true",
            help: "apply migrations before serving (true/false; --no-migrate is the same as false)"
        ) { value, config throws(ConfigurationError) in
            config.migrateOnStart = try boolean(value, setting: "CRMHUB_MIGRATE")
        },
        Setting(
            "CRMHUB_IO_THREADS", flag: "--io-threads", default: "number of cores",
            help: "event-loop threads for HTTP I/O"
        ) { value, config throws(ConfigurationError) in
            config.ioThreads = try integer(value, setting: "CRMHUB_IO_THREADS", in: 1...256)
        },
        Setting(
            "CRMHUB_MAX_CONNECTIONS", flag: "--max-connections", default: "10000",
            help: "open connections above this are answered 503 and closed"
        ) { value, config throws(ConfigurationError) in
            config.maxConnections = try integer(value, setting: "CRMHUB_MAX_CONNECTIONS", in: 1...1_000_000)
        },
        Setting(
            "CRMHUB_MAX_CONNECTIONS_PER_CLIENT", flag: "--max-connections-per-client", default: "512",
            help: "open connections from one client address above this are answered 503 and closed"
        ) {
            value, config throws(ConfigurationError) in
            config.maxConnectionsPerClient = try integer(value, setting: "CRMHUB_MAX_CONNECTIONS_PER_CLIENT", in: 1...1_000_000)
        },
        Setting(
            "CRMHUB_MAX_BODY_MEMORY", flag: "--max-body-memory", default: "268435456",
            help: "bytes of request bodies held at once, all clients together; a body beyond is answered 503"
        ) {
            value, config throws(ConfigurationError) in
            config.maxBodyMemory = try integer(value, setting: "CRMHUB_MAX_BODY_MEMORY", in: (1 << 20)...(1 << 40))
        },
        Setting(
            "CRMHUB_MAX_BODY_BYTES", flag: "--max-body-bytes", default: "1048576",
            help: "default request body limit; larger bodies get 413"
        ) { value, config throws(ConfigurationError) in
            config.maxBodyBytes = try integer(value, setting: "CRMHUB_MAX_BODY_BYTES", in: 0...(1 << 30))
        },
        Setting(
            "CRMHUB_HEADER_TIMEOUT", flag: "--header-timeout", default: "10",
            help: "seconds a client has to send a whole header section"
        ) { value, config throws(ConfigurationError) in
            config.headerTimeoutSeconds = try integer(value, setting: "CRMHUB_HEADER_TIMEOUT", in: 1...3600)
        },
        Setting(
            "CRMHUB_BODY_TIMEOUT", flag: "--body-timeout", default: "30",
            help: "seconds a client has to send a body after its header section"
        ) { value, config throws(ConfigurationError) in
            config.bodyTimeoutSeconds = try integer(value, setting: "CRMHUB_BODY_TIMEOUT", in: 1...3600)
        },
        Setting(
            "CRMHUB_IDLE_TIMEOUT", flag: "--idle-timeout", default: "60",
            help: "seconds an idle keep-alive connection stays open"
        ) { value, config throws(ConfigurationError) in
            config.idleTimeoutSeconds = try integer(value, setting: "CRMHUB_IDLE_TIMEOUT", in: 1...86400)
        },
        Setting(
            "CRMHUB_SHUTDOWN_GRACE", flag: "--shutdown-grace", default: "10",
            help: "seconds in-flight requests get to finish after SIGTERM"
        ) { value, config throws(ConfigurationError) in
            config.shutdownGraceSeconds = try integer(value, setting: "CRMHUB_SHUTDOWN_GRACE", in: 0...3600)
        },
        Setting(
            "CRMHUB_DRAIN_DELAY", flag: "--drain-delay", default: "0",
            help:
                "seconds after SIGTERM during which /readyz answers 503 (draining) while the listeners still serve, before they close"
        ) { value, config throws(ConfigurationError) in
            config.drainDelaySeconds = try integer(value, setting: "CRMHUB_DRAIN_DELAY", in: 0...600)
        },
        Setting(
            "CRMHUB_STATEMENT_TIMEOUT", flag: "--statement-timeout", default: "30",
            help: "seconds a single SQL statement may run"
        ) { value, config throws(ConfigurationError) in
            config.statementTimeoutSeconds = try integer(value, setting: "CRMHUB_STATEMENT_TIMEOUT", in: 1...3600)
        },
        Setting(
            "CRMHUB_LISTENER_LOG_RETENTION_DAYS", flag: "--listener-log-retention-days", default: "30",
            help: "days the listener request log keeps a request (body and response); 0 keeps them forever"
        ) { value, config throws(ConfigurationError) in
            config.listenerLogRetentionDays = try integer(value, setting: "CRMHUB_LISTENER_LOG_RETENTION_DAYS", in: 0...3650)
        },
        Setting(
            "CRMHUB_LISTENER_LOG_PURGE_INTERVAL", flag: "--listener-log-purge-interval", default: "600",
            help: "seconds between purges of listener requests older than the retention"
        ) { value, config throws(ConfigurationError) in
            config.listenerLogPurgeIntervalSeconds = try integer(
                value, setting: "CRMHUB_LISTENER_LOG_PURGE_INTERVAL", in: 1...86400)
        },
        Setting(
            "CRMHUB_INTEGRATION_HEALTH_INTERVAL", flag: "--integration-health-interval", default: "10",
            help: "seconds between writes of the integrations' per-org call counts (the console's health panel)"
        ) { value, config throws(ConfigurationError) in
            config.integrationHealthIntervalSeconds = try integer(
                value, setting: "CRMHUB_INTEGRATION_HEALTH_INTERVAL", in: 1...3600)
        },
        Setting(
            "CRMHUB_BOOTSTRAP_ADMIN_TOKEN", flag: "--bootstrap-admin-token", default: "", secret: true,
            help: "a platform admin token to create at start if absent (for containers); at least 32 characters"
        ) { value, config throws(ConfigurationError) in
            guard value.isEmpty || value.utf8.count >= 32 else {
                throw ConfigurationError(setting: "CRMHUB_BOOTSTRAP_ADMIN_TOKEN", reason: "must be at least 32 characters")
            }
            config.bootstrapAdminToken = value.isEmpty ? nil : value
        },
    ]

    static func address(_ value: String, setting: String) throws(ConfigurationError) -> BindAddress? {
        if value.isEmpty || value == "off" { return nil }
        guard let address = BindAddress(value) else {
            throw ConfigurationError(
                setting: setting, reason: "'\(value)' is not host:port (e.g. 127.0.0.1:8080, [::1]:8443, 0.0.0.0:8080)")
        }
        return address
    }

    static func integer(_ value: String, setting: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(
                setting: setting, reason: "'\(value)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func boolean(_ value: String, setting: String) throws(ConfigurationError) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting: setting, reason: "'\(value)' is not true or false")
        }
    }
}
