import CRM
import FoundationEssentials
import Glibc
import HTTPServer

/// Reads settings from the environment, then from flags (`--name value` or `--name=value`), and validates them.
public enum ConfigurationLoader {
    /// - Returns: the configuration and the arguments that were not settings (sub-command options).
    public static func load(
        arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> (Configuration, [String]) {
        var config = Configuration(databaseURL: "")
        config.ioThreads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        config.delivery.hostname = Settings.hostName()
        for setting in Settings.all {
            if let value = environment[setting.environment] { try setting.apply(value, &config) }
            if let file = environment[setting.environment + "_FILE"] {
                guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw ConfigurationError(setting: setting.environment + "_FILE", reason: "cannot read \(file)")
                }
                try setting.apply(contents.trimmingCharacters(in: " \t\r\n"), &config)
            }
        }
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--no-migrate" {
                config.migrateOnStart = false
                continue
            }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard let setting = Settings.all.first(where: { $0.flag == name }) else {
                rest.append(argument)
                continue
            }
            let value: String
            if let equals = argument.firstIndex(of: "=") {
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard index < arguments.count else {
                    throw ConfigurationError(setting: setting.flag, reason: "needs a value")
                }
                value = arguments[index]
                index += 1
            }
            try setting.apply(value, &config)
        }
        return (config, rest)
    }

    /// Checks that need more than one setting; run before serving.
    public static func validateForServing(_ config: Configuration) throws(ConfigurationError) {
        if config.databaseURL.isEmpty {
            throw ConfigurationError(
                setting: "CRMHUB_DATABASE_URL", reason: "is required (e.g. postgresql://crmhub@localhost/crmhub)")
        }
        if config.httpAddress == nil && config.httpsAddress == nil {
            throw ConfigurationError(
                setting: "CRMHUB_HTTP_ADDRESS", reason: "and CRMHUB_HTTPS_ADDRESS are both off: nothing to serve")
        }
        if config.httpsAddress != nil {
            guard let certificate = config.tlsCertificateFile else {
                throw ConfigurationError(setting: "CRMHUB_TLS_CERT_FILE", reason: "is required when CRMHUB_HTTPS_ADDRESS is set")
            }
            guard let key = config.tlsKeyFile else {
                throw ConfigurationError(setting: "CRMHUB_TLS_KEY_FILE", reason: "is required when CRMHUB_HTTPS_ADDRESS is set")
            }
            guard FileManager.default.isReadableFile(atPath: certificate) else {
                throw ConfigurationError(setting: "CRMHUB_TLS_CERT_FILE", reason: "cannot read \(certificate)")
            }
            guard FileManager.default.isReadableFile(atPath: key) else {
                throw ConfigurationError(setting: "CRMHUB_TLS_KEY_FILE", reason: "cannot read \(key)")
            }
        }
    }

    /// The settings table for `--help`. Secrets show no value.
    public static func helpText() -> String {
        var lines = ["Settings (environment variable, flag, default):"]
        for setting in Settings.all {
            lines.append("  \(setting.environment)  \(setting.flag)  [default: \(setting.defaultText)]")
            lines.append("      \(setting.help)")
        }
        lines.append("  Any CRMHUB_X may instead be given as CRMHUB_X_FILE, a file holding the value (for secrets).")
        return lines.joined(separator: "\n")
    }
}
