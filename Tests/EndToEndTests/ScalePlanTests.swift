import CRMHubTesting
import Postgres
import Testing

@testable import CRM
@testable import Helpdesk
@testable import Listener
@testable import ReadAPI
@testable import SmarterTrack

/// Statements that read a whole org, or every org, on bench/scale's 5,000,000 customers (issue 21): each is planned
/// as a request runs it (crmhub_app with the org set, a generic plan) with sequential scans priced out, and must reach
/// its rows through an index condition on what it looks for, not by filtering an org's (or every org's) rows.
@Suite("Plans that stay flat as data grows")
struct ScalePlanTests {
    /// The generic plan of `query` as the app role of `orgID` runs it, one line per plan line.
    /// With `platform`, as a platform task runs it (every org: `crmhub.platform` on).
    static func plan(_ listener: ListenerFixture, _ query: Query, platform: Bool = false) async throws -> String {
        let orgID = listener.orgID
        return try await listener.server.database.withTransaction { connection in
            _ = try connection.query(
                platform
                    ? "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.platform', 'on', true)"
                    : "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(orgID)), true)")
            try connection.execute("SET LOCAL enable_seqscan = off")
            try connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            try connection.execute("PREPARE scale_plan AS \(query.sql)")
            let values = query.binds.map { $0.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
            let lines = try connection.query(
                Query(sql: "EXPLAIN EXECUTE scale_plan" + (values.isEmpty ? "" : "(" + values.joined(separator: ", ") + ")"))
            )
            .rows.map { try $0.decode(0, as: String.self) }
            try connection.execute("DEALLOCATE scale_plan")
            return lines.joined(separator: "\n")
        }
    }

    /// Whether a line of `plan` is an index condition on `condition`.
    static func indexCondition(_ plan: String, _ condition: String) -> Bool {
        plan.split(separator: "\n").contains { $0.contains("Index Cond") && $0.contains(condition) }
    }

    @Test("the request log listing reaches its org through an index condition, with and without filters")
    func requestLog() async throws {
        try await ListenerFixture.with { listener in
            let first = try await Self.plan(
                listener, ListenerRequestStore.listQuery(orgID: listener.orgID, ListenerRequestFilter(), before: 0, limit: 51))
            // The primary key's end, or (with other tests' rows and statistics) an index range of the org then a sort:
            // either way the org is an index condition. Without one, no index applies and the plan is a Seq Scan.
            #expect(Self.indexCondition(first, "org_id = $1") && !first.contains("Seq Scan"), "\(first)")
            let filtered = try await Self.plan(
                listener,
                ListenerRequestStore.listQuery(
                    orgID: listener.orgID, ListenerRequestFilter(listenerID: 7, outcome: .failed), before: 1000, limit: 51))
            #expect(!filtered.contains("Seq Scan") && Self.indexCondition(filtered, "org_id = $1"), "\(filtered)")
        }
    }

    @Test("a helpdesk profile's open deals are found by the customer's indexes, not by walking the org's deals")
    func openDeals() async throws {
        try await ListenerFixture.with { listener in
            try await Self.seedDealsAndLogins(listener)
            let plan = try await Self.plan(
                listener, CustomerProfileStore.openDealsQuery(orgID: listener.orgID, customerID: 42, limit: 10))
            #expect(plan.contains("deals_customer") && plan.contains("deal_contacts_customer"), "\(plan)")
            #expect(!plan.contains("Seq Scan"), "\(plan)")
        }
    }

    /// Planner statistics of an org with 5,000 customers, vacuumed so that index-only scans are priced as such: on an
    /// empty table any index is as cheap as any other.
    static func seedNames(_ listener: ListenerFixture) async throws {
        try await seed(
            listener,
            [
                """
                INSERT INTO customers (org_id, kind, code, name, lastname)
                SELECT crmhub_current_org(), 'contact', crmhub_next_code('contact'),
                    (ARRAY['Linh', 'Minh', 'Anh', 'John', 'Mary'])[1 + g % 5] || ' ' || g, 'Nguyễn'
                FROM generate_series(1, 5000) AS g
                """
            ], then: "VACUUM (ANALYZE) customers")
    }

    /// Runs `statements` in one transaction with the fixture's org set (row-level security applies to the suite's own
    /// role too), then `maintenance` (VACUUM or ANALYZE of what they filled): a seeded org's planner statistics.
    static func seed(_ listener: ListenerFixture, _ statements: [String], then maintenance: String) async throws {
        let database = listener.server.database
        try await database.withTransaction { connection in
            _ = try connection.query("SELECT set_config('crmhub.org_id', \(String(listener.orgID)), true)")
            for statement in statements { try connection.execute(statement) }
        }
        try await database.withConnection { connection in try connection.execute(maintenance) }
    }

    /// ``seedNames(_:)``, with a deal (and a deal contact) for every customer and a portal login for every fifth:
    /// without rows and statistics, every index of deals is as cheap as another and the plans are a toss-up.
    static func seedDealsAndLogins(_ listener: ListenerFixture) async throws {
        try await seedNames(listener)
        try await seed(
            listener,
            [
                """
                WITH made AS (
                    INSERT INTO deals (org_id, name, stage, customer_id)
                    SELECT org_id, 'Deal ' || id, 'open', id FROM customers WHERE org_id = crmhub_current_org()
                    RETURNING org_id, id, customer_id
                )
                INSERT INTO deal_contacts (org_id, deal_id, customer_id) SELECT org_id, id, customer_id FROM made
                """,
                """
                INSERT INTO customer_portal_logins (org_id, customer_id, username, password_hash)
                SELECT org_id, id, 'User' || id, 'not-a-hash' FROM customers WHERE org_id = crmhub_current_org() AND id % 5 = 0
                """,
            ], then: "VACUUM (ANALYZE) deals, deal_contacts, customer_portal_logins")
    }

    /// Whether `plan` finds its candidates in the folded-name index alone (sql/0018), not a heap page per candidate.
    static func readsNameIndexAlone(_ plan: String) -> Bool {
        let lines = plan.split(separator: "\n")
        return lines.contains { $0.contains("Index Only Scan using customers_name_folded") }
            && indexCondition(plan, "name_folded ~>=~")
            && !lines.contains { $0.contains("Index Scan using customers_name_folded") }
    }

    @Test("a SpiceCSM search by first and last name tests the candidates in the folded-name index alone")
    func spiceName() async throws {
        try await ListenerFixture.with { listener in
            try await Self.seedNames(listener)
            var search = CustomerSearch()
            search.firstName = "Linh"
            search.lastName = "Nguyễn"
            let query = try #require(CustomerProfileStore.searchQuery(orgID: listener.orgID, search, limit: 50))
            let plan = try await Self.plan(listener, query)
            #expect(Self.readsNameIndexAlone(plan), "\(plan)")
        }
    }

    @Test("the read API's name search picks the page's ids in the folded-name index alone, with and without a cursor")
    func readAPIName() async throws {
        try await ListenerFixture.with { listener in
            try await Self.seedNames(listener)
            for filters: [RecordFilter] in [[.namePrefix("linh")], [.namePrefix("linh"), .before(4000)]] {
                let query = try RecordStore.select(
                    .contacts, orgID: listener.orgID, filters: filters, order: .newestFirst, limit: 51)
                let plan = try await Self.plan(listener, query)
                #expect(Self.readsNameIndexAlone(plan), "\(plan)")
            }
        }
    }

    /// 5,000 contacts of the fixture's org, one in a hundred tagged vip and one in ten with an IM handle, analysed: on
    /// empty tables every index costs the same.
    static func tagsAndHandles(_ listener: ListenerFixture) async throws {
        try await seed(
            listener,
            [
                """
                INSERT INTO customers (org_id, kind, code, name, tags, im)
                SELECT crmhub_current_org(), 'contact', crmhub_next_code('contact'), 'Person ' || g,
                    CASE WHEN g % 100 = 0 THEN '{vip,news}'::text[] WHEN g % 3 = 0 THEN '{news}' ELSE '{}' END,
                    CASE WHEN g % 10 = 0 THEN jsonb_build_array(jsonb_build_object('protocol', 'Other', 'value', '@h' || g))
                        ELSE '[]' END
                FROM generate_series(1, 5000) AS g
                """
            ], then: "ANALYZE customers, customer_tags, customer_im_handles")
    }

    @Test("the read API's tag filter walks customer_tags in id order and fetches each customer by primary key")
    func tagFilter() async throws {
        try await ListenerFixture.with { listener in
            try await Self.tagsAndHandles(listener)
            for (filters, cursor) in [
                ([RecordFilter.hasTag("vip")], ""), ([.hasTag("vip"), .before(4000)], " AND (customer_id < $3)"),
            ] {
                let query = try RecordStore.select(
                    .contacts, orgID: listener.orgID, filters: filters, order: .newestFirst, limit: 51)
                let plan = try await Self.plan(listener, query)
                // Newest first straight off the index: no sort, and the tag (and the cursor) are index conditions.
                #expect(plan.contains("Backward using customer_tags_pkey") && !plan.contains("Sort"), "\(plan)")
                #expect(!plan.contains("Merge Join") && !plan.contains("Hash Join"), "\(plan)")
                #expect(
                    Self.indexCondition(plan, "(org_id = $1) AND (kind = 'contact'::text) AND (tag = $2)\(cursor)"), "\(plan)")
                #expect(Self.indexCondition(plan, "id = customer_tags.customer_id"), "\(plan)")
                #expect(!plan.contains("tags @>"), "\(plan)")
            }
        }
    }

    @Test("a Sirportly IM lookup probes customer_im_handles by protocol and value")
    func imLookup() async throws {
        try await ListenerFixture.with { listener in
            try await Self.tagsAndHandles(listener)
            let handles = [
                CustomerProfile.Handle(type: "Twitter", value: "h10"), CustomerProfile.Handle(type: "Other", value: "@h10"),
            ]
            let plan = try await Self.plan(listener, CustomerProfileStore.imQuery(orgID: listener.orgID, handles))
            #expect(plan.contains("customer_im_handles_pkey"), "\(plan)")
            #expect(Self.indexCondition(plan, "(kind = s.series) AND (protocol = p.protocol) AND (value = p.value)"), "\(plan)")
            #expect(Self.indexCondition(plan, "id = customer_im_handles.customer_id"), "\(plan)")
            #expect(!plan.contains("im @>"), "\(plan)")
        }
    }

    @Test(
        "a SmarterTrack portal login, a deal and a customer by name are found by index conditions on stored lower-cased or folded names"
    )
    func caseInsensitiveLookups() async throws {
        try await ListenerFixture.with { listener in
            try await Self.seedDealsAndLogins(listener)
            let login = try #require(SmarterTrackStore.lookupQuery(orgID: listener.orgID, .username("User11")))
            let loginPlan = try await Self.plan(listener, login)
            #expect(Self.indexCondition(loginPlan, "username_folded = lower($2)"), "\(loginPlan)")
            let deal = try await Self.plan(
                listener, DealStore.findQuery(orgID: listener.orgID, name: "Renewal", unreferencedOnly: true))
            #expect(Self.indexCondition(deal, "name_lower = lower($2)"), "\(deal)")
            let name = try await Self.plan(
                listener, CustomerStore.matchQuery(orgID: listener.orgID, series: .contact, keys: [.name("Linh")]))
            #expect(Self.indexCondition(name, "name_folded = crmhub_fold("), "\(name)")
            #expect(
                !loginPlan.contains("Seq Scan") && !deal.contains("Seq Scan") && !name.contains("Seq Scan"),
                "\(loginPlan)\n\(deal)\n\(name)")
        }
    }

    @Test("a request log purge batch walks the received_at B-tree from the oldest, not a BRIN bitmap of the table")
    func purge() async throws {
        try await ListenerFixture.with { listener in
            // 20,000 requests over 60 days, the oldest quarter already purged: statistics of a log under retention.
            try await Self.seed(
                listener,
                [
                    """
                    INSERT INTO listener_requests (org_id, listener_id, received_at, size, body, status, response)
                    SELECT \(listener.orgID), \(listener.listenerID), now() - make_interval(mins => g * 4), 2, '{}', 200, '{}'
                    FROM generate_series(1, 20000) AS g
                    """,
                    "DELETE FROM listener_requests WHERE received_at < now() - make_interval(days => 45)",
                ], then: "VACUUM (ANALYZE) listener_requests")
            let plan = try await Self.plan(
                listener, ListenerRequestStore.purgeQuery(olderThanDays: 30, batch: 1000), platform: true)
            #expect(Self.indexCondition(plan, "received_at < (now() - "), "\(plan)")
            #expect(plan.contains("listener_requests_received") && !plan.contains("Bitmap") && !plan.contains("Sort"), "\(plan)")
        }
    }
}
