import CRM
import Postgres
import Telemetry

/// `crmhub admin …`: the bootstrap steps a new operator needs before any JSON can be sent.
enum AdminCommand {
    static let usage = """
        crmhub admin create-token [--name NAME]
            create a platform administrator token and print it (shown once)
        crmhub admin create-org --slug SLUG --name NAME --owner-email EMAIL [--owner-name NAME] [--timezone ZONE]
            create an org with its owner user
        crmhub admin create-listener --org SLUG --name NAME [--base-url URL]
            create a listener and print its secret URL (shown once)
        """

    static func run(_ configuration: Configuration, arguments: [String]) async throws -> Int32 {
        guard let subcommand = arguments.first else {
            writeStandardError(usage + "\n")
            return 2
        }
        guard !configuration.databaseURL.isEmpty else {
            throw ConfigurationError(setting: "CRMHUB_DATABASE_URL", reason: "is required")
        }
        let options = try parseOptions(
            Array(arguments.dropFirst()),
            allowed: ["--name", "--slug", "--owner-email", "--owner-name", "--timezone", "--org", "--base-url"])
        let database = PostgresClient(configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1))
        do {
            // The schema must be current before rows are written into it.
            _ = try await Application.migrator(directory: configuration.migrationsDirectory).migrate(database)
            let result: Int32
            switch subcommand {
            case "create-token":
                let token = try await PlatformTokenStore(scope: OrgScope(database: database))
                    .create(name: options["--name"] ?? "created by crmhub admin create-token",
                            audit: .system("cli (crmhub admin create-token)", "platform_token.create"))
                print(token.text)
                writeStandardError("Platform token created. It is shown only this once: keep it secret.\n")
                result = 0
            case "create-org":
                result = try await createOrg(OrgScope(database: database), options)
            case "create-listener":
                result = try await createListener(OrgScope(database: database), options, configuration: configuration)
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

    static func require(_ options: [String: String], _ name: String) throws(ConfigurationError) -> String {
        guard let value = options[name], !value.isEmpty else { throw ConfigurationError(setting: name, reason: "is required") }
        return value
    }

    static func createOrg(_ scope: OrgScope, _ options: [String: String]) async throws -> Int32 {
        let slug = try require(options, "--slug")
        let name = try require(options, "--name")
        let email = try require(options, "--owner-email")
        let (org, _) = try await OrgStore(scope: scope).create(
            slug: slug, name: name, timezone: options["--timezone"] ?? "UTC",
            owner: OrgStore.NewOwner(email: email, displayName: options["--owner-name"] ?? ""),
            audit: AuditEntry(actor: "cli", action: "org.create", clientAddress: nil, requestID: "cli"))
        print("created org \(org.slug) (id \(org.id)) with owner \(email)")
        return 0
    }

    static func createListener(_ scope: OrgScope, _ options: [String: String], configuration: Configuration) async throws -> Int32 {
        let slug = try require(options, "--org")
        let name = try require(options, "--name")
        guard let org = try await OrgStore(scope: scope).find(slug: slug) else {
            writeStandardError("crmhub: no org with slug '\(slug)'\n")
            return 1
        }
        var changes = ListenerChanges()
        changes.name = name
        let (_, token) = try await ListenerStore(scope: scope).create(
            orgID: org.id, changes, audit: AuditEntry(actor: "cli", action: "listener.create", clientAddress: nil, requestID: "cli"))
        let base = options["--base-url"] ?? configuration.httpAddress.map { "http://\($0)" } ?? "https://crmhub.example"
        print("\(base)/l/\(token.text)")
        writeStandardError("Listener created. Its URL is shown only this once: keep it secret.\n")
        return 0
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
