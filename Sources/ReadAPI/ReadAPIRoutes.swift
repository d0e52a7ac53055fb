import CRM
import HTTPServer

/// Every route of the read API (`/api/v1`), in one table. All are GET and need an org API key with `read`.
public enum ReadAPIRoutes {
    /// - Parameters:
    ///   - scope: the primary, where API keys are checked (a check stamps the key's last use).
    ///   - records: where lists, single records, history and exports are read: a streaming replica
    ///     (`CRMHUB_READ_DATABASE_URL`) or the primary.
    public static func register(in router: inout Router, scope: OrgScope, records recordScope: OrgScope) {
        let authenticator = ReadAuthenticator(apiKeys: APIKeyStore(scope: scope), orgs: OrgStore(scope: scope))
        let records = RecordStore(scope: recordScope)
        func handler(_ collection: Collection) -> RecordsHandler {
            RecordsHandler(collection: collection, records: records, authenticator: authenticator)
        }

        for customers in [Collection.contacts, .leads, .companies] {
            let handler = handler(customers)
            router.add(.get, "/api/v1/\(customers.path)", handler.list)
            router.add(.get, "/api/v1/\(customers.path)/{\(customers.parameter)}", handler.show)
            router.add(.get, "/api/v1/\(customers.path)/{\(customers.parameter)}/history", handler.history)
        }
        for collection in [Collection.deals, .notes, .tickets, .outbox, .listenerRequests] {
            let handler = handler(collection)
            router.add(.get, "/api/v1/\(collection.path)", handler.list)
            router.add(.get, "/api/v1/\(collection.path)/{\(collection.parameter)}", handler.show)
        }
        router.add(.get, "/api/v1/exports/contacts", ContactExport(records: records, authenticator: authenticator).export)
    }
}
