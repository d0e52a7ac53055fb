import Admin
import CIOPulse
import CRM
import Delivery
import HTTPServer
import Helpdesk
import Listener
import Postgres
import ReadAPI
import SmarterTrack
import Telemetry

/// Every route of CRMHub, wired in one place. Each feature module registers its own table.
enum Routes {
    static func register(
        in router: inout Router,
        application: (database: PostgresClient, migrator: Migrator, metrics: MetricsRegistry, logger: Logger),
        readDatabase: PostgresClient?, draining: DrainSignal, openAPIDocument: [UInt8]?, deliverer: Deliverer, secrets: SecretBox?
    ) {
        // The org's slug in /admin/v1/orgs/{org}/…, /integrations/…/{org} and SmarterTrack's paths names the org in
        // each access-log line; handlers that learn the org otherwise (listener URL, API keys) add it themselves.
        router.loggedParameters = ["org"]
        OperationalRoutes.register(
            in: &router,
            readiness: ReadinessCheck(database: application.database, migrator: application.migrator, draining: draining),
            metrics: application.metrics, openAPIDocument: openAPIDocument)
        let scope = OrgScope(database: application.database)
        let ingestion = ListenerIngestion(scope: scope, metrics: application.metrics, secrets: secrets)
        AdminRouteTable.register(
            in: &router, scope: scope, problem: Problem.response(for:), deliverer: deliverer, secrets: secrets,
            listenerTest: { orgID, listenerID, body, requestID in
                try await ingestion.testCall(orgID: orgID, listenerID: listenerID, body: body, requestID: requestID)
            }
        ) { orgID, listenerRequestID, requestID, dryRun in
            guard
                let reply = try await ingestion.replay(
                    orgID: orgID, listenerRequestID: listenerRequestID, requestID: requestID, dryRun: dryRun)
            else {
                return Problem.response(for: .notFound("listener request \(listenerRequestID)"))
            }
            return ListenerRoutes.response(reply)
        }
        ListenerRoutes.register(in: &router, ingestion: ingestion, secrets: secrets)
        CIOPulseRoutes.register(in: &router, scope: scope, logger: application.logger, secrets: secrets)
        SmarterTrackRoutes.register(in: &router, scope: scope, logger: application.logger)
        HelpdeskRoutes.register(in: &router, scope: scope, secrets: secrets)
        // The read API's records come from the replica when there is one; its key check (which stamps the key's
        // last use) stays on the primary.
        ReadAPIRoutes.register(in: &router, scope: scope, records: readDatabase.map(OrgScope.init(database:)) ?? scope)
    }

    /// The admin API's bearer token is checked before any of its bodies is read (after every admin route is in).
    static func admitAdminCallers(in router: inout Router, database: PostgresClient) {
        router.setAdmission(
            forPatternsStartingWith: "/admin/v1/",
            AdminRoutes.admission(scope: OrgScope(database: database), problem: Problem.response(for:)))
    }
}
