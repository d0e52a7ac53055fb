import NetworkClient

/// How the delivery workers behave (`CRMHUB_DELIVERY_*`, `CRMHUB_SECRET_KEY`).
public struct DeliveryConfiguration: Sendable {
    /// Worker tasks in this process; 0 runs none.
    public var workers = 1
    /// How long an idle worker waits before looking for due messages again.
    public var pollInterval: Duration = .seconds(1)
    /// Tries before a message is marked failed.
    public var maxAttempts = 8
    /// The first retry's delay; each later one doubles, up to `retryMaxDelay`, with jitter.
    public var retryBaseDelay: Duration = .seconds(30)
    public var retryMaxDelay: Duration = .seconds(3600)
    /// How long a claimed message stays with its worker; after that another worker may claim it again (a crashed
    /// worker's messages are not lost). Must exceed the longest send (a few timeouts).
    public var leaseSeconds = 300
    /// Each connect, read and write to a provider.
    public var networkTimeout: Duration = .seconds(30)
    /// When a message waits for its org's settings, how long before it is looked at again (saving settings makes
    /// the org's waiting messages due at once).
    public var settingsRecheck: Duration = .seconds(60)
    /// The domain of Message-IDs and the EHLO name.
    public var hostname = "localhost"
    /// A PEM bundle trusted in addition to the system's CAs (private CAs, tests).
    public var extraCAFile: String?
    /// Where org admins' SMTP servers and SMS providers may be: public addresses only unless the operator allows
    /// private ones (`CRMHUB_DELIVERY_PRIVATE_TARGETS=allow`, for relays on the same network, and tests).
    public var addressPolicy: AddressPolicy = .publicOnly
    /// When a webhook endpoint that keeps failing is disabled.
    public var webhookDisableRule = WebhookDisableRule()

    public init() {}
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
