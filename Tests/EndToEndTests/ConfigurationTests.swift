import CRMHubTesting
import Testing

@testable import App
@testable import HTTPServer

@Suite("settings from CRMHUB_* and flags")
struct ConfigurationTests {
    @Test("environment values are parsed and flags win")
    func parse() throws {
        let (config, rest) = try ConfigurationLoader.load(
            arguments: ["--http-address", "0.0.0.0:9000", "--db-pool-size=4", "--no-migrate", "extra"],
            environment: [
                "CRMHUB_DATABASE_URL": "postgresql://u@h/db", "CRMHUB_HTTP_ADDRESS": "127.0.0.1:1",
                "CRMHUB_TRUSTED_PROXIES": "10.0.0.0/8, ::1", "CRMHUB_LOG_LEVEL": "warning",
            ])
        #expect(config.databaseURL == "postgresql://u@h/db")
        #expect(config.httpAddress == BindAddress(host: "0.0.0.0", port: 9000))
        #expect(config.databasePoolSize == 4)
        #expect(config.migrateOnStart == false)
        #expect(config.trustedProxies.count == 2)
        #expect(config.logLevel == .warning)
        #expect(rest == ["extra"])
        #expect(config.readDatabaseURL == nil, "without CRMHUB_READ_DATABASE_URL the read API reads the primary")
        let (replica, _) = try ConfigurationLoader.load(
            arguments: ["--read-database-url", "postgresql://u@replica/db"],
            environment: ["CRMHUB_READ_DATABASE_URL": "postgresql://u@other/db"])
        #expect(replica.readDatabaseURL == "postgresql://u@replica/db")
    }

    @Test(
        "a bad value names its setting",
        arguments: [
            ("CRMHUB_HTTP_ADDRESS", "nonsense"), ("CRMHUB_DB_POOL_SIZE", "0"), ("CRMHUB_TRUSTED_PROXIES", "10.0.0.0/99"),
            ("CRMHUB_LOG_LEVEL", "loud"), ("CRMHUB_HTTPS_ADDRESS", "1.2.3.4"), ("CRMHUB_MIGRATE", "maybe"),
        ])
    func invalid(name: String, value: String) {
        do {
            _ = try ConfigurationLoader.load(arguments: [], environment: [name: value])
            Issue.record("accepted \(name)=\(value)")
        } catch {
            #expect(error.setting == name)
            #expect(error.description.contains(value))
        }
    }

    @Test("serving needs a database URL, and HTTPS needs its certificate and key")
    func servingChecks() throws {
        let (empty, _) = try ConfigurationLoader.load(arguments: [], environment: [:])
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.validateForServing(empty) }
        let (tls, _) = try ConfigurationLoader.load(
            arguments: [], environment: ["CRMHUB_DATABASE_URL": "x", "CRMHUB_HTTPS_ADDRESS": "127.0.0.1:8443"])
        do {
            try ConfigurationLoader.validateForServing(tls)
            Issue.record("accepted HTTPS without a certificate")
        } catch {
            #expect(error.setting == "CRMHUB_TLS_CERT_FILE")
        }
    }

    @Test("help lists every setting and never a secret's value")
    func help() async throws {
        let secrets = Settings.all.filter(\.isSecret)
        #expect(secrets.map(\.environment).contains("CRMHUB_DATABASE_URL"))
        // Every secret set to a value of its own, in the environment of the real binary.
        var environment: [String: String] = [:]
        for setting in secrets { environment[setting.environment] = "sentinel-\(setting.environment.lowercased())-value" }
        let help = try await Repository.run(Repository.crmhubBinary, ["--help"], environment: environment)
        #expect(help.status == 0)
        for setting in Settings.all {
            #expect(help.stdout.contains("\(setting.environment)  \(setting.flag)"), "\(setting.environment) is not listed")
        }
        for (name, value) in environment {
            #expect(!help.stdout.contains(value) && !help.stderr.contains(value), "\(name)'s value is printed")
        }
        #expect(!help.stdout.contains("sentinel"))
    }
}
