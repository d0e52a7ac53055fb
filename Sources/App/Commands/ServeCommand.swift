import Dispatch
import Glibc
import Telemetry

/// `crmhub serve`: runs until SIGTERM or SIGINT, reloading TLS on SIGHUP.
enum ServeCommand {
    static func run(_ configuration: Configuration, workerOnly: Bool = false) async throws -> Int32 {
        if !workerOnly { try ConfigurationLoader.validateForServing(configuration) }
        let logger = Logger(level: configuration.logLevel)
        let signals = SignalStream(watching: [SIGTERM, SIGINT, SIGHUP])
        let application = try Application(configuration: configuration, logger: logger)
        do {
            try await application.start()
        } catch {
            logger.error("start failed", [("error", "\(error)")])
            await application.shutdown()
            throw error
        }
        for await signal in signals.stream {
            if signal == SIGHUP {
                application.reloadTLS()
                continue
            }
            logger.info("signal received", [("signal", signal == SIGTERM ? "SIGTERM" : "SIGINT")])
            break
        }
        await application.drain()
        await application.shutdown()
        return 0
    }
}

extension Configuration {
    /// This configuration without HTTP listeners, for commands that need only the database.
    func withoutHTTP() throws(ConfigurationError) -> Configuration {
        guard !databaseURL.isEmpty else { throw ConfigurationError(setting: "CRMHUB_DATABASE_URL", reason: "is required") }
        var copy = self
        copy.httpAddress = nil
        copy.httpsAddress = nil
        return copy
    }
}

/// `crmhub worker`: the outbox delivery workers alone (at least one), without an HTTP listener.
enum WorkerCommand {
    static func run(_ configuration: Configuration) async throws -> Int32 {
        var workerOnly = try configuration.withoutHTTP()
        workerOnly.ioThreads = 1
        workerOnly.delivery.workers = max(1, configuration.delivery.workers)
        workerOnly.databasePoolSize = min(configuration.databasePoolSize, workerOnly.delivery.workers + 2)
        return try await ServeCommand.run(workerOnly, workerOnly: true)
    }
}

/// `crmhub migrate`.
enum MigrateCommand {
    static func run(_ configuration: Configuration) async throws -> Int32 {
        var migrateOnly = try configuration.withoutHTTP()
        migrateOnly.databasePoolSize = 1
        let logger = Logger(level: configuration.logLevel)
        let application = try Application(configuration: migrateOnly, logger: logger)
        defer { logger.flush() }
        do {
            let applied = try await application.migrator.migrate(application.database)
            // The same JSON lines as `crmhub serve` writes when it migrates.
            for migration in applied {
                logger.info("migration applied", [("version", String(migration.version)), ("name", migration.name)])
            }
            if applied.isEmpty { logger.info("schema is current") }
            await application.database.shutdown()
            return 0
        } catch {
            await application.database.shutdown()
            throw error
        }
    }
}

/// Delivers process signals as an async sequence (the default actions are turned off while it exists).
final class SignalStream: @unchecked Sendable {
    // Invariant: `sources` is written once in init and only kept alive afterwards.
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(watching signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }
}
