import CRM
import Postgres
import Telemetry

/// `crmhub admin …`: the bootstrap steps a new operator needs before any JSON can be sent.
enum AdminCommand {
    static let usage = """
        crmhub admin create-token [--name NAME]   create a platform administrator token and print it (shown once)
        """

    static func run(_ configuration: Configuration, arguments: [String]) async throws -> Int32 {
        guard let subcommand = arguments.first else {
            writeStandardError(usage + "\n")
            return 2
        }
        guard !configuration.databaseURL.isEmpty else {
            throw ConfigurationError(setting: "CRMHUB_DATABASE_URL", reason: "is required")
        }
        let options = try parseOptions(Array(arguments.dropFirst()), allowed: ["--name"])
        let database = PostgresClient(configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1))
        do {
            // The schema must be current before rows are written into it.
            _ = try await Migrator(directory: configuration.migrationsDirectory).migrate(database)
            let result: Int32
            switch subcommand {
            case "create-token":
                let token = try await PlatformTokenStore(scope: OrgScope(database: database))
                    .create(name: options["--name"] ?? "created by crmhub admin create-token")
                print(token.text)
                writeStandardError("Platform token created. It is shown only this once: keep it secret.\n")
                result = 0
            default:
                writeStandardError("crmhub: unknown admin command '\(subcommand)'\n" + usage + "\n")
                result = 2
            }
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    }

    static func parseOptions(_ arguments: [String], allowed: Set<String>) throws(ConfigurationError) -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard allowed.contains(argument) else { throw ConfigurationError(setting: argument, reason: "unknown option") }
            guard index + 1 < arguments.count else { throw ConfigurationError(setting: argument, reason: "needs a value") }
            options[argument] = arguments[index + 1]
            index += 2
        }
        return options
    }
}
