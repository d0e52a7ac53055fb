import Telemetry

/// The delivery metrics: outcomes by channel, and the backlog (refreshed by the workers' gauge task).
public struct DeliveryMetrics: Sendable {
    let sent: CounterFamily
    let failed: CounterFamily
    let retried: CounterFamily
    let waiting: CounterFamily

    public init(_ registry: MetricsRegistry, backlog: Backlog) {
        sent = registry.counter("crmhub_outbox_sent_total", help: "Outbox messages delivered.", labels: ["channel"])
        failed = registry.counter(
            "crmhub_outbox_failed_total", help: "Outbox messages given up on (permanent error or last attempt).",
            labels: ["channel"])
        retried = registry.counter(
            "crmhub_outbox_retries_total", help: "Failed attempts that will be tried again.", labels: ["channel"])
        waiting = registry.counter(
            "crmhub_outbox_unconfigured_total",
            help: "Times a message was left queued because its org has no settings for the channel.",
            labels: ["channel"])
        registry.gauge(
            "crmhub_outbox_queue_depth",
            help: "Outbox messages queued, retrying or being sent, across orgs, counted up to 10,000."
        ) {
            [([], Double(backlog.current.count))]
        }
        registry.gauge(
            "crmhub_outbox_oldest_queued_seconds",
            help: "Seconds since the earliest turn of an org with an outbox message due (0 when none is due)."
        ) {
            [([], backlog.current.oldestSeconds)]
        }
    }
}
