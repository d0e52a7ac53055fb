import Admin
import CRM
import JSON
import Listener
import Postgres
import Telemetry

/// `crmhub admin …`: the bootstrap steps a new operator needs before any JSON can be sent. Each command checks its
/// values with the admin API's own validators (`AdminValidation`), so it refuses what the API refuses, with the
/// same messages, naming the argument instead of the JSON field.
enum AdminCommand {
    /// One admin command: its arguments, as `--help` shows them.
    struct Spec {
        struct Argument {
            let flag: String
            let value: String
            let required: Bool
            /// The admin API's field that the argument fills ("owner.email" for --owner-email).
            let field: String
            let help: String
        }

        let name: String
        let summary: String
        let arguments: [Argument]

        var synopsis: String {
            (["crmhub admin \(name)"] + arguments.map { $0.required ? "\($0.flag) \($0.value)" : "[\($0.flag) \($0.value)]" })
                .joined(separator: " ")
        }

        var help: String {
            var lines = ["Usage: \(synopsis)", "", "  \(summary)", "", "Arguments:"]
            for argument in arguments {
                lines.append(
                    "  \(argument.flag) \(argument.value)".padding(28) + (argument.required ? "(required) " : "") + argument.help)
            }
            lines.append("")
            lines.append("The database is CRMHUB_DATABASE_URL (or --database-url); migrations are applied first.")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    static let commands: [Spec] = [
        Spec(
            name: "create-token",
            summary: "Create a platform administrator token and print it (shown once; only its SHA-256 is stored).",
            arguments: [.init(flag: "--name", value: "NAME", required: false, field: "name", help: "what the token is for")]),
        Spec(
            name: "create-org", summary: "Create an org with its owner user, as POST /admin/v1/orgs does.",
            arguments: [
                .init(
                    flag: "--slug", value: "SLUG", required: true, field: "slug", help: "2–63 lower-case letters, digits or '-'"),
                .init(flag: "--name", value: "NAME", required: true, field: "name", help: "the org's display name"),
                .init(
                    flag: "--owner-email", value: "EMAIL", required: true, field: "owner.email", help: "the owner user's email"),
                .init(
                    flag: "--owner-name", value: "NAME", required: false, field: "owner.display_name",
                    help: "the owner user's display name"),
                .init(
                    flag: "--timezone", value: "ZONE", required: false, field: "timezone", help: "an IANA time zone (default UTC)"
                ),
            ]),
        Spec(
            name: "create-listener",
            summary: "Create a listener and print its secret URL (shown once), as POST …/listeners does.",
            arguments: [
                .init(flag: "--org", value: "SLUG", required: true, field: "org", help: "the org's slug"),
                .init(
                    flag: "--name", value: "NAME", required: true, field: "name", help: "the listener's name, unique in the org"),
                .init(
                    flag: "--base-url", value: "URL", required: false, field: "base_url",
                    help: "the public base URL the printed listener URL starts with (default http://CRMHUB_HTTP_ADDRESS)"),
            ]),
    ]

    static var usage: String {
        var lines = ["Usage: crmhub admin <command> [arguments]", "", "Commands:"]
        for command in commands {
            lines.append("  \(command.synopsis)")
            lines.append("      \(command.summary)")
        }
        lines.append("")
        lines.append("crmhub admin <command> --help shows a command's arguments.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A command line that cannot be run as written: exit 2 with the command's help.
    struct UsageError: Error {
        let message: String
    }

    /// `crmhub admin [arguments]`: help on request (exit 0), help on misuse (exit 2), else the command's result.
    static func main(_ arguments: [String]) async -> Int32 {
        guard let name = arguments.first else {
            writeStandardError("crmhub admin: a command is required\n\n" + usage)
            return 2
        }
        if CommandLineInterface.isHelp(name) {
            print(usage, terminator: "")
            return 0
        }
        guard let spec = commands.first(where: { $0.name == name }) else {
            writeStandardError("crmhub admin: unknown command '\(name)'\n\n" + usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains(where: CommandLineInterface.isHelp) {
            print(spec.help, terminator: "")
            return 0
        }
        do {
            let (configuration, extra) = try ConfigurationLoader.load(arguments: rest)
            let options = try parse(extra, spec)
            return try await run(spec, options, configuration)
        } catch let error as UsageError {
            writeStandardError("crmhub admin \(spec.name): \(error.message)\n\n" + spec.help)
            return 2
        } catch CRMError.invalid(let fields) {
            for field in fields {
                writeStandardError("crmhub admin \(spec.name): \(field.sentence(naming: flag(for: field.field, spec))).\n")
            }
            return 2
        } catch let error as CRMError {
            CommandLineInterface.fail(Problem.describe(error))
            return 1
        } catch {
            return CommandLineInterface.report(error)
        }
    }

    /// The argument that fills an API field (the field itself when no argument does).
    static func flag(for field: String, _ spec: Spec) -> String {
        spec.arguments.first { $0.field == field }?.flag ?? field
    }

    static func parse(_ arguments: [String], _ spec: Spec) throws(UsageError) -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard spec.arguments.contains(where: { $0.flag == name }) else {
                throw UsageError(message: "unknown argument '\(argument)'")
            }
            if let equals = argument.firstIndex(of: "=") {
                options[name] = String(argument[argument.index(after: equals)...])
                index += 1
                continue
            }
            guard index + 1 < arguments.count else { throw UsageError(message: "the argument \(name) needs a value") }
            options[name] = arguments[index + 1]
            index += 2
        }
        for argument in spec.arguments where argument.required && options[argument.flag] == nil {
            throw UsageError(message: "the argument \(argument.flag) \(argument.value) is required")
        }
        return options
    }

    static func run(_ spec: Spec, _ options: [String: String], _ configuration: Configuration) async throws -> Int32 {
        guard !configuration.databaseURL.isEmpty else {
            throw ConfigurationError(
                setting: "CRMHUB_DATABASE_URL",
                reason: "is required: the database to work on (with scripts/dev.sh running, scripts/crmhub sets it for you)")
        }
        let database = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL, poolSize: 1,
                preparedStatements: configuration.databasePreparedStatements))
        do {
            // The schema must be current before rows are written into it.
            _ = try await Application.migrator(directory: configuration.migrationsDirectory).migrate(database)
            let scope = OrgScope(database: database)
            switch spec.name {
            case "create-token": try await createToken(scope, options)
            case "create-org": try await createOrg(scope, options)
            default: try await createListener(scope, options, configuration: configuration)
            }
            await database.shutdown()
            return 0
        } catch {
            await database.shutdown()
            throw error
        }
    }

    static func createToken(_ scope: OrgScope, _ options: [String: String]) async throws {
        let name = try AdminValidation.newPlatformToken([
            "name": .string(options["--name"] ?? "created by crmhub admin create-token")
        ])
        let token = try await PlatformTokenStore(scope: scope).create(
            name: name, audit: .system("cli (crmhub admin create-token)", "platform_token.create"))
        print(token.text)
        writeStandardError("Platform token created. It is shown only this once: keep it secret.\n")
    }

    static func createOrg(_ scope: OrgScope, _ options: [String: String]) async throws {
        var owner: JSONObject = ["email": .string(options["--owner-email"] ?? "")]
        if let name = options["--owner-name"] { owner["display_name"] = .string(name) }
        var object: JSONObject = [
            "slug": .string(options["--slug"] ?? ""), "name": .string(options["--name"] ?? ""), "owner": .object(owner),
        ]
        if let timezone = options["--timezone"] { object["timezone"] = .string(timezone) }
        let orgs = OrgStore(scope: scope)
        let input = try await AdminValidation.newOrg(object, orgs: orgs)
        let (org, _) = try await orgs.create(
            slug: input.slug, name: input.name, timezone: input.timezone, owner: input.owner,
            audit: AuditEntry(actor: "cli", action: "org.create", clientAddress: nil, requestID: "cli"))
        print("created org \(org.slug) (id \(org.id)) with owner \(input.owner?.email ?? "")")
    }

    static func createListener(_ scope: OrgScope, _ options: [String: String], configuration: Configuration) async throws {
        let slug = options["--org"] ?? ""
        let changes = try ListenerURLsHandler.read(["name": .string(options["--name"] ?? "")], creating: true)
        guard let org = try await OrgStore(scope: scope).find(slug: slug) else { throw CRMError.notFound("org '\(slug)'") }
        let (_, token) = try await ListenerURLStore(scope: scope).create(
            orgID: org.id, changes,
            audit: AuditEntry(actor: "cli", action: "listener.create", clientAddress: nil, requestID: "cli"))
        let base = options["--base-url"] ?? configuration.httpAddress.map { "http://\($0)" } ?? "https://crmhub.example"
        print("\(base)/l/\(token.text)")
        writeStandardError("Listener created. Its URL is shown only this once: keep it secret.\n")
    }
}

extension String {
    /// The text padded with spaces to `width` characters (at least one space after it).
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
