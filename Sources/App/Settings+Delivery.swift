import CRM
import Glibc

/// The settings of outbox delivery (`crmhub serve` and `crmhub worker`).
extension Settings {
    static let delivery: [Setting] = [
        Setting(
            "CRMHUB_SECRET_KEY", flag: "--secret-key", default: "", secret: true,
            help:
                "32-byte key (64 hex digits or base64; `openssl rand -hex 32`) that encrypts SMTP passwords and SMS provider secrets; without it they cannot be saved"
        ) { value, config throws(ConfigurationError) in
            guard !value.isEmpty else { return config.secretKey = nil }
            do { _ = try SecretBox(keyText: value) } catch {
                throw ConfigurationError(setting: "CRMHUB_SECRET_KEY", reason: "\(error)")
            }
            config.secretKey = value
        },
        Setting(
            "CRMHUB_DELIVERY_WORKERS", flag: "--delivery-workers", default: "1",
            help: "outbox delivery workers in `crmhub serve` (0 runs none; `crmhub worker` runs at least 1)"
        ) { value, config throws(ConfigurationError) in
            config.delivery.workers = try integer(value, setting: "CRMHUB_DELIVERY_WORKERS", in: 0...64)
        },
        Setting(
            "CRMHUB_DELIVERY_POLL_INTERVAL_MS", flag: "--delivery-poll-interval-ms", default: "1000",
            help: "milliseconds an idle delivery worker waits before looking for due messages again"
        ) { value, config throws(ConfigurationError) in
            config.delivery.pollInterval = .milliseconds(
                try integer(value, setting: "CRMHUB_DELIVERY_POLL_INTERVAL_MS", in: 10...600_000))
        },
        Setting(
            "CRMHUB_DELIVERY_MAX_ATTEMPTS", flag: "--delivery-max-attempts", default: "8",
            help: "attempts to send a message before it is marked failed"
        ) { value, config throws(ConfigurationError) in
            config.delivery.maxAttempts = try integer(value, setting: "CRMHUB_DELIVERY_MAX_ATTEMPTS", in: 1...100)
        },
        Setting(
            "CRMHUB_DELIVERY_RETRY_BASE_MS", flag: "--delivery-retry-base-ms", default: "30000",
            help: "milliseconds before the first retry; each later retry waits twice as long (with jitter)"
        ) { value, config throws(ConfigurationError) in
            config.delivery.retryBaseDelay = .milliseconds(
                try integer(value, setting: "CRMHUB_DELIVERY_RETRY_BASE_MS", in: 10...86_400_000))
        },
        Setting(
            "CRMHUB_DELIVERY_RETRY_MAX_MS", flag: "--delivery-retry-max-ms", default: "3600000",
            help: "the longest wait between two attempts, in milliseconds"
        ) { value, config throws(ConfigurationError) in
            config.delivery.retryMaxDelay = .milliseconds(
                try integer(value, setting: "CRMHUB_DELIVERY_RETRY_MAX_MS", in: 10...86_400_000))
        },
        Setting(
            "CRMHUB_DELIVERY_LEASE", flag: "--delivery-lease", default: "300",
            help: "seconds a claimed message belongs to its worker; a worker that dies leaves it to be sent again after this"
        ) { value, config throws(ConfigurationError) in
            config.delivery.leaseSeconds = try integer(value, setting: "CRMHUB_DELIVERY_LEASE", in: 1...86_400)
        },
        Setting(
            "CRMHUB_DELIVERY_TIMEOUT", flag: "--delivery-timeout", default: "30",
            help: "seconds for each connect, read and write to an SMTP server or SMS provider"
        ) { value, config throws(ConfigurationError) in
            config.delivery.networkTimeout = .seconds(try integer(value, setting: "CRMHUB_DELIVERY_TIMEOUT", in: 1...600))
        },
        Setting(
            "CRMHUB_DELIVERY_SETTINGS_RECHECK", flag: "--delivery-settings-recheck", default: "60",
            help:
                "seconds before a message of an org without delivery settings is looked at again (saving settings makes them due at once)"
        ) { value, config throws(ConfigurationError) in
            config.delivery.settingsRecheck = .seconds(
                try integer(value, setting: "CRMHUB_DELIVERY_SETTINGS_RECHECK", in: 1...86_400))
        },
        Setting(
            "CRMHUB_DELIVERY_HOSTNAME", flag: "--delivery-hostname", default: "the host's name",
            help: "domain of the Message-IDs (<outbox-ORG-ID@this>) and the name sent in EHLO"
        ) { value, config in
            if !value.isEmpty { config.delivery.hostname = value }
        },
        Setting(
            "CRMHUB_DELIVERY_CA_FILE", flag: "--delivery-ca-file", default: "",
            help: "PEM CA bundle trusted in addition to the system's for SMTP and SMS provider TLS (private CAs)"
        ) { value, config in
            config.delivery.extraCAFile = value.isEmpty ? nil : value
        },
        Setting(
            "CRMHUB_WEBHOOK_DISABLE_AFTER_FAILURES", flag: "--webhook-disable-after-failures", default: "30",
            help:
                "failed attempts in a row after which a webhook endpoint is disabled (with CRMHUB_WEBHOOK_DISABLE_AFTER_SECONDS)"
        ) { value, config throws(ConfigurationError) in
            config.delivery.webhookDisableRule.failures = try integer(
                value, setting: "CRMHUB_WEBHOOK_DISABLE_AFTER_FAILURES", in: 1...1_000_000)
        },
        Setting(
            "CRMHUB_WEBHOOK_DISABLE_AFTER_SECONDS", flag: "--webhook-disable-after-seconds", default: "432000",
            help: "how long a run of failed attempts must have lasted before a webhook endpoint is disabled (5 days)"
        ) { value, config throws(ConfigurationError) in
            config.delivery.webhookDisableRule.seconds = try integer(
                value, setting: "CRMHUB_WEBHOOK_DISABLE_AFTER_SECONDS", in: 0...31_536_000)
        },
        Setting(
            "CRMHUB_DELIVERY_PRIVATE_TARGETS", flag: "--delivery-private-targets", default: "deny",
            help:
                "allow: SMTP servers and SMS providers may be at private, loopback and link-local addresses (relays on your own network); deny: public addresses only"
        ) { value, config throws(ConfigurationError) in
            switch value {
            case "deny": config.delivery.addressPolicy = .publicOnly
            case "allow": config.delivery.addressPolicy = .any
            default:
                throw ConfigurationError(
                    setting: "CRMHUB_DELIVERY_PRIVATE_TARGETS", reason: "must be allow or deny, not '\(value)'")
            }
        },
    ]

    /// The host's name, the default of CRMHUB_DELIVERY_HOSTNAME.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
