import CRM
import Synchronization
import Telemetry

/// The last measured outbox backlog, read by the metrics gauges.
public final class Backlog: Sendable {
    private let value = Mutex<(count: Int, oldestSeconds: Double)>((0, 0))
    public init() {}
    public var current: (count: Int, oldestSeconds: Double) { value.withLock { $0 } }
    func update(_ new: (count: Int, oldestSeconds: Double)) { value.withLock { $0 = new } }
}

/// One delivery worker: claims a due message, sends it, records the outcome; sleeps for the poll interval when
/// nothing is due. Any number of workers, in any number of processes, share the outbox (see DeliveryQueueStore).
struct DeliveryWorker: Sendable {
    let queue: DeliveryQueueStore
    let endpoints: WebhookEndpointStore
    let deliverer: Deliverer
    let configuration: DeliveryConfiguration
    let metrics: DeliveryMetrics
    let logger: Logger

    func run() async {
        let backoff = Backoff(base: configuration.retryBaseDelay.seconds, maximum: configuration.retryMaxDelay.seconds)
        while !Task.isCancelled {
            // A claim and its delivery run in tasks of their own, which stopping does not cancel: a message that
            // was claimed is sent and recorded, not left 'sending' until its lease ends.
            let claims = await Task { [queue, configuration, logger] in
                do {
                    return try await queue.claim(
                        limit: 1, leaseSeconds: Double(configuration.leaseSeconds), maxAttempts: configuration.maxAttempts)
                } catch {
                    logger.warning("outbox claim failed", [("error", "\(error)")])
                    return []
                }
            }.value
            if claims.isEmpty {
                do { try await Task.sleep(for: configuration.pollInterval) } catch { return }
                continue
            }
            for claim in claims { await Task { await deliver(claim, backoff: backoff) }.value }
        }
    }

    /// Keeps the endpoint's run of failures, which disables it when it lasts (WebhookDisableRule).
    func noteWebhookAttempt(
        _ claim: DeliveryQueueStore.Claim, endpointID: Int64, outcome: DeliveryQueueStore.Outcome,
        fields: [(String, String)]
    ) async throws {
        let succeeded: Bool
        switch outcome {
        case .sent: succeeded = true
        case .retrying, .failed: succeeded = false
        case .waiting: return
        }
        if try await endpoints.noteAttempt(
            orgID: claim.orgID, id: endpointID, succeeded: succeeded, rule: configuration.webhookDisableRule)
        {
            logger.warning("webhook endpoint disabled after sustained failure", fields + [("endpoint_id", String(endpointID))])
        }
    }

    /// Sends one claimed message and records what happened. A failure to record leaves the message 'sending'
    /// until its lease ends; it is then sent again (at least once; the stable key marks the duplicate).
    func deliver(_ claim: DeliveryQueueStore.Claim, backoff: Backoff) async {
        let channel = claim.message.channel.rawValue
        let report: SendReport
        let started = ContinuousClock.now
        do {
            report = try await deliverer.report(claim.message, orgID: claim.orgID)
        } catch {
            report = SendReport(.failed("could not read the delivery settings: \(error)", permanent: false))
        }
        let result = report.result
        let took = ContinuousClock.now - started
        let detail = DeliveryQueueStore.AttemptDetail(
            responseStatus: report.responseStatus, responseExcerpt: report.responseExcerpt,
            durationMS: Int(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000))
        let outcome: DeliveryQueueStore.Outcome
        switch result {
        case .sent(let id):
            outcome = .sent(providerMessageID: id)
            metrics.sent.increment([channel])
        case .notConfigured(let reason):
            outcome = .waiting(reason: reason, delaySeconds: configuration.settingsRecheck.seconds)
            metrics.waiting.increment([channel])
        case .failed(let error, let permanent, _):
            if permanent || claim.attempt >= configuration.maxAttempts {
                outcome = .failed(error: permanent ? error : "\(error) (gave up after \(claim.attempt) attempts)")
                metrics.failed.increment([channel])
            } else {
                outcome = .retrying(error: error, delaySeconds: backoff.delay(afterAttempt: claim.attempt))
                metrics.retried.increment([channel])
            }
        }
        let fields = [
            ("org_id", String(claim.orgID)), ("message_id", String(claim.message.id)), ("channel", channel),
            ("attempt", String(claim.attempt)),
        ]
        do {
            let current = try await queue.record(claim, outcome, detail: detail)
            if current, let endpointID = claim.message.endpointID, claim.message.channel == .webhook {
                try await noteWebhookAttempt(claim, endpointID: endpointID, outcome: outcome, fields: fields)
            }
            if !current {
                logger.warning("outbox outcome not recorded: the message was claimed again after its lease ended", fields)
            }
        } catch {
            logger.error("outbox outcome could not be recorded", fields + [("error", "\(error)")])
        }
        switch outcome {
        case .sent: logger.info("outbox message sent", fields)
        case .retrying(let error, let delay):
            logger.warning("outbox message will be retried", fields + [("error", error), ("delay_s", String(Int(delay)))])
        case .failed(let error): logger.warning("outbox message failed", fields + [("error", error)])
        case .waiting(let reason, _): logger.debug("outbox message waits for settings", fields + [("reason", reason)])
        }
    }
}

/// The delivery workers of one process, and the task that measures the backlog for the metrics.
public final class DeliveryService: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let workers: [DeliveryWorker]
    private let queue: DeliveryQueueStore
    private let backlog: Backlog
    private let logger: Logger

    public init(
        scope: OrgScope, deliverer: Deliverer, configuration: DeliveryConfiguration, metrics: DeliveryMetrics,
        backlog: Backlog, logger: Logger
    ) {
        queue = DeliveryQueueStore(scope: scope)
        self.backlog = backlog
        self.logger = logger
        workers = (0..<configuration.workers).map { _ in
            DeliveryWorker(
                queue: DeliveryQueueStore(scope: scope), endpoints: WebhookEndpointStore(scope: scope), deliverer: deliverer,
                configuration: configuration,
                metrics: metrics, logger: logger)
        }
    }

    public func start() {
        let queue = queue, backlog = backlog
        let started =
            workers.map { worker in Task { await worker.run() } } + [
                Task {
                    while !Task.isCancelled {
                        if let measured = try? await queue.backlog() { backlog.update(measured) }
                        do { try await Task.sleep(for: .seconds(5)) } catch { return }
                    }
                }
            ]
        tasks.withLock { $0 += started }
        if !workers.isEmpty { logger.info("delivery workers started", [("workers", String(workers.count))]) }
    }

    /// Stops claiming; a send in progress finishes and is recorded.
    public func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
