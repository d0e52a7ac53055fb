import HTTPServer
import Postgres
import Synchronization
import Telemetry

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml`.
enum OperationalRoutes {
    /// - Parameter openAPIDocument: the contents of `CRMHUB_OPENAPI_FILE`; nil when it could not be read (404).
    static func register(in router: inout Router, readiness: ReadinessCheck, metrics: MetricsRegistry, openAPIDocument: [UInt8]?)
    {
        router.addInline(.get, "/openapi.yaml") { _ in
            guard let openAPIDocument else { return .problem(status: 404, detail: "the OpenAPI document is not installed") }
            return Response(status: 200, headers: HeaderFields([("Content-Type", "application/yaml")]), body: openAPIDocument)
        }
        // Process liveness only: answered on the I/O thread, no database.
        router.addInline(.get, "/healthz") { _ in .text("ok\n") }
        router.add(.get, "/readyz") { _ in
            switch await readiness.check() {
            case .ready(nil):
                return .json(Array("{\"status\":\"ready\"}".utf8))
            case .ready(let note?):
                var body = "{\"status\":\"ready\",\"reason\":"
                JSONLine.appendQuoted(note, to: &body)
                body += "}"
                return .json(Array(body.utf8))
            case .notReady(let reason):
                var body = "{\"status\":\"not ready\",\"reason\":"
                JSONLine.appendQuoted(reason, to: &body)
                body += "}"
                return .json(Array(body.utf8), status: 503)
            }
        }
        router.addInline(.get, "/metrics") { _ in
            Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
        }
    }
}

/// Ready means: not draining after SIGTERM, the database answers, and every migration on disk is applied with the
/// same checksum. A schema that is ahead (a newer release has migrated it) is ready: migrations follow the
/// expand/contract rule (README), so this build keeps serving through a rolling deploy instead of every old
/// instance leaving the load balancer at once.
struct ReadinessCheck: Sendable {
    let database: PostgresClient
    let migrator: Migrator
    let draining: DrainSignal

    enum Outcome: Sendable {
        /// With a note when the schema is ahead of this build.
        case ready(String?)
        case notReady(String)
    }

    func check() async -> Outcome {
        if draining.isDraining { return .notReady("draining") }
        do {
            switch try await migrator.status(database) {
            case .current: return .ready(nil)
            case .pending(let versions):
                return .notReady("migrations pending: \(versions.map(String.init).joined(separator: ", "))")
            case .checksumMismatch(let version): return .notReady("applied migration \(version) differs from its file")
            case .unknownApplied(let version):
                return .ready(
                    "the database has migration \(version), newer than this build: served under the expand/contract rule")
            }
        } catch let error as PostgresError where error.isUnavailable {
            return .notReady("database unavailable")
        } catch {
            return .notReady("database check failed")
        }
    }
}

/// Set when the drain delay after SIGTERM begins; `/readyz` then answers 503 "draining".
final class DrainSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    func begin() { flag.store(true, ordering: .relaxed) }

    var isDraining: Bool { flag.load(ordering: .relaxed) }
}
