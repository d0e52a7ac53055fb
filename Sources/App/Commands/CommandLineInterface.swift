import CRM
import Glibc
import Telemetry

/// `crmhub <command>`: the entry point `main.swift` calls.
public enum CommandLineInterface {
    static let usage = """
        crmhub \(CRMHubVersion.current): multi-tenant CRM ingestion and integration service

        Usage:
          crmhub serve [flags]        migrate (unless --no-migrate) and serve HTTP/HTTPS until SIGTERM/SIGINT;
                                      SIGHUP re-reads the TLS certificate and key
          crmhub worker [flags]       migrate (unless --no-migrate) and run only the outbox delivery workers
                                      (CRMHUB_DELIVERY_WORKERS, at least 1) until SIGTERM/SIGINT; no HTTP listener
          crmhub migrate [flags]      apply pending migrations and exit
          crmhub healthcheck [flags]  exit 0 when GET /healthz on the HTTP address answers 200 (for containers)
          crmhub admin create-token [--name NAME]
                                      migrate, then create a platform administrator token and print it once
          crmhub version              print the version
          crmhub --help               this text

        """

    /// Runs a command; returns the process exit code.
    public static func run(_ arguments: [String]) async -> Int32 {
        guard let command = arguments.first else {
            writeStandardError(usage + ConfigurationLoader.helpText() + "\n")
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") || ["--help", "-h", "help"].contains(command) {
            print(usage + ConfigurationLoader.helpText())
            return 0
        }
        do {
            let (configuration, extra) = try ConfigurationLoader.load(arguments: rest)
            switch command {
            case "version", "--version":
                print("crmhub \(CRMHubVersion.current)")
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
            case "admin":
                return try await AdminCommand.run(configuration, arguments: extra)
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
        } catch let error as ConfigurationError {
            fail("invalid setting \(error.description)")
            return 2
        } catch {
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
