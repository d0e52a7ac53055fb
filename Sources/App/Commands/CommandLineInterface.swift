import CRM
import Glibc
import Postgres
import Telemetry

/// `crmhub <command>`: the entry point `main.swift` calls.
public enum CommandLineInterface {
    static var usage: String {
        """
        crmhub \(CRMHubVersion.current): multi-tenant CRM ingestion and integration service

        Usage:
          crmhub serve [settings]     migrate (unless --no-migrate) and serve HTTP/HTTPS until SIGTERM/SIGINT;
                                      SIGHUP re-reads the TLS certificate and key
          crmhub worker [settings]    migrate (unless --no-migrate) and run only the outbox delivery workers
                                      (CRMHUB_DELIVERY_WORKERS, at least 1) until SIGTERM/SIGINT; no HTTP listener
          crmhub migrate [settings]   apply pending migrations and exit
          crmhub healthcheck [settings]
                                      exit 0 when GET /healthz on the HTTP address answers 200 (for containers)
          crmhub admin <command> [arguments]
                                      bootstrap commands (crmhub admin --help, crmhub admin <command> --help):

        """ + AdminCommand.commands.map { "      \($0.synopsis)\n" }.joined() + """
              crmhub version              print the version, the git commit and the build date
              crmhub --help               this text

            """
    }

    static func isHelp(_ argument: String) -> Bool { ["--help", "-h", "help"].contains(argument) }

    /// Runs a command; returns the process exit code: 0 done (or help asked for), 1 failed, 2 misused.
    public static func run(_ arguments: [String]) async -> Int32 {
        guard let command = arguments.first else {
            writeStandardError(usage + ConfigurationLoader.helpText() + "\n")
            return 2
        }
        if isHelp(command) {
            print(usage + ConfigurationLoader.helpText())
            return 0
        }
        if command == "admin" { return await AdminCommand.main(Array(arguments.dropFirst())) }
        let rest = Array(arguments.dropFirst())
        if rest.contains(where: isHelp) {
            print(usage + ConfigurationLoader.helpText())
            return 0
        }
        do {
            let (configuration, extra) = try ConfigurationLoader.load(arguments: rest)
            switch command {
            case "version", "--version":
                try refuseUnknown(extra)
                print(CRMHubVersion.description)
                return 0
            case "serve":
                try refuseUnknown(extra)
                return try await ServeCommand.run(configuration)
            case "worker":
                try refuseUnknown(extra)
                return try await WorkerCommand.run(configuration)
            case "migrate":
                try refuseUnknown(extra)
                return try await MigrateCommand.run(configuration)
            case "healthcheck":
                try refuseUnknown(extra)
                return HealthcheckCommand.run(configuration)
            default:
                fail("unknown command '\(command)'; see crmhub --help")
                return 2
            }
        } catch let error as CRMError {
            fail(Problem.describe(error))
            return 1
        } catch {
            return report(error)
        }
    }

    /// Prints an error that is not the user's input and returns the exit code: a bad setting is 2; a database
    /// error is said in words (never the driver's raw text); anything else is 1.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let error as ConfigurationError:
            fail("invalid setting \(error.description)")
            return 2
        case let error as PostgresError where error.isUnavailable:
            fail("cannot reach the database (CRMHUB_DATABASE_URL): \(error.message)")
            return 1
        case let error as PostgresError:
            let constraint = error.constraint.map { ", constraint \($0)" } ?? ""
            fail("the database refused the command (SQLSTATE \(error.sqlState?.rawValue ?? "unknown")\(constraint))")
            return 1
        case let error as MigrationError:
            fail("\(error)")
            return 1
        default:
            fail("\(error)")
            return 1
        }
    }

    static func refuseUnknown(_ extra: [String]) throws(ConfigurationError) {
        if let first = extra.first {
            throw ConfigurationError(setting: first, reason: "unknown flag; see crmhub --help")
        }
    }

    static func fail(_ message: String) {
        writeStandardError("crmhub: \(message)\n")
    }
}

/// Writes straight to file descriptor 2 (the C `stderr` global is not concurrency-safe in Swift 6).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}
