import Admin
import CIOPulse
import CRM
import Delivery
import HTTPServer
import Helpdesk
import Listener
import SmarterTrack

/// Every route of the admin API (`/admin/v1`), in one table: the platform's own (orgs, users, keys, listeners…)
/// and each feature's settings, whose handlers live in the feature's module (ARCHITECTURE.md).
enum AdminRouteTable {
    /// - Parameters:
    ///   - problem: how CRM errors are rendered (stored with Idempotency-Key replays).
    ///   - deliverer, secrets: send the delivery settings' test messages and seal their secrets.
    ///   - listenerTest: runs a request through a listener in a transaction that is rolled back (the test call).
    ///   - listenerReplay: re-runs a logged listener request; without it the replay route answers 503.
    static func register(
        in router: inout Router, scope: OrgScope, problem: @escaping @Sendable (CRMError) -> Response,
        deliverer: Deliverer, secrets: SecretBox?, listenerTest: @escaping ListenerTestRun,
        listenerReplay: @escaping ListenerReplay
    ) {
        let context = AdminContext(scope: scope)
        let once = Idempotency(store: IdempotencyStore(scope: scope), render: problem) {
            _ = try await context.authenticator.authenticate($0)
        }.wrap
        let orgs = OrgsHandler(context: context)
        let users = UsersHandler(context: context)
        let keys = APIKeysHandler(context: context)
        let audit = AuditHandler(context: context)
        let listeners = ListenerURLsHandler(
            context: context, listeners: ListenerURLStore(scope: scope), catalogs: CatalogStore(scope: scope))
        let catalogs = CatalogsHandler(context: context, catalogs: CatalogStore(scope: scope))
        let groups = GroupsHandler(context: context, groups: GroupStore(scope: scope))
        let customFields = CustomFieldsHandler(context: context, fields: CustomFieldStore(scope: scope))
        let ciopulse = CIOPulseSettingsHandler(context: context, store: CIOPulseStore(scope: scope))
        let integrations = IntegrationsHandler(context: context, store: IntegrationStore(scope: scope))
        let integrationHealth = IntegrationHealthHandler(context: context, store: IntegrationHealthStore(scope: scope))
        let listenerRequests = ListenerRequestsHandler(
            context: context, requests: ListenerRequestStore(scope: scope), replayer: listenerReplay)
        let outbox = OutboxHandler(context: context, outbox: OutboxStore(scope: scope))
        let delivery = DeliveryHandler(
            context: context, store: DeliverySettingsStore(scope: scope), deliverer: deliverer, secrets: secrets)
        let supportGroups = SupportGroupsHandler(context: context, groups: SupportGroupStore(scope: scope))
        let contactSystemIDs = ContactSystemIDHandler(context: context, scope: scope)
        let customerMerges = CustomerMergeHandler(context: context, scope: scope)
        let subjectAccess = SubjectAccessHandler(context: context, scope: scope)
        let erasure = ErasureHandler(context: context, scope: scope, secrets: secrets)
        let matching = MatchingSettingsHandler(context: context, scope: scope)
        let portalLogins = PortalLoginHandler(context: context, store: PortalLoginStore(scope: scope))
        let smarterTrackRules = SmarterTrackRulesHandler(context: context, store: SmarterTrackStore(scope: scope))

        let platformTokens = PlatformTokensHandler(context: context, tokens: PlatformTokenStore(scope: scope))
        router.add(.post, "/admin/v1/platform-tokens", platformTokens.create)  // returns a secret
        router.add(.get, "/admin/v1/platform-tokens", platformTokens.list)
        router.add(.delete, "/admin/v1/platform-tokens/{token}", platformTokens.revoke)
        router.add(.get, "/admin/v1/audit", audit.listPlatform)

        router.add(.post, "/admin/v1/orgs", once(orgs.create))
        router.add(.get, "/admin/v1/orgs", orgs.list)
        router.add(.get, "/admin/v1/orgs/{org}", orgs.show)
        router.add(.patch, "/admin/v1/orgs/{org}", orgs.update)

        router.add(.post, "/admin/v1/orgs/{org}/users", once(users.create))
        router.add(.get, "/admin/v1/orgs/{org}/users", users.list)
        router.add(.get, "/admin/v1/orgs/{org}/users/{user}", users.show)
        router.add(.patch, "/admin/v1/orgs/{org}/users/{user}", users.update)
        router.add(.delete, "/admin/v1/orgs/{org}/users/{user}", users.delete)

        router.add(.post, "/admin/v1/orgs/{org}/groups", once(groups.create))
        router.add(.get, "/admin/v1/orgs/{org}/groups", groups.list)
        router.add(.get, "/admin/v1/orgs/{org}/groups/{group}", groups.show)
        router.add(.patch, "/admin/v1/orgs/{org}/groups/{group}", groups.update)
        router.add(.delete, "/admin/v1/orgs/{org}/groups/{group}", groups.delete)

        router.add(.post, "/admin/v1/orgs/{org}/api-keys", keys.create)  // returns a secret: never stored for replay
        router.add(.get, "/admin/v1/orgs/{org}/api-keys", keys.list)
        router.add(.delete, "/admin/v1/orgs/{org}/api-keys/{key}", keys.revoke)

        router.add(.post, "/admin/v1/orgs/{org}/listeners", listeners.create)  // returns a secret URL; names are unique
        router.add(.get, "/admin/v1/orgs/{org}/listeners", listeners.list)
        router.add(.get, "/admin/v1/orgs/{org}/listeners/{listener}", listeners.show)
        router.add(.patch, "/admin/v1/orgs/{org}/listeners/{listener}", listeners.update)
        router.add(.delete, "/admin/v1/orgs/{org}/listeners/{listener}", listeners.delete)
        router.add(.post, "/admin/v1/orgs/{org}/listeners/{listener}/rotate-token", listeners.rotate)
        let signing = ListenerSigningHandler(context: context, listeners: ListenerURLStore(scope: scope), secrets: secrets)
        router.add(.post, "/admin/v1/orgs/{org}/listeners/{listener}/signing-secret", signing.rotate)  // returns a secret
        router.add(.delete, "/admin/v1/orgs/{org}/listeners/{listener}/signing-secret", signing.delete)
        let listenerTest = ListenerTestHandler(context: context, run: listenerTest)
        router.add(.post, "/admin/v1/orgs/{org}/listeners/{listener}/test", listenerTest.test)
        let listenerLimits = OrgListenerLimitsHandler(context: context, store: OrgListenerLimitsStore(scope: scope))
        router.add(.get, "/admin/v1/orgs/{org}/listener-limits", listenerLimits.show)
        router.add(.put, "/admin/v1/orgs/{org}/listener-limits", listenerLimits.save)

        router.add(.get, "/admin/v1/orgs/{org}/listener-requests", listenerRequests.list)
        router.add(.get, "/admin/v1/orgs/{org}/listener-requests/{request}", listenerRequests.show)
        router.add(.post, "/admin/v1/orgs/{org}/listener-requests/{request}/replay", listenerRequests.replay)

        router.add(.post, "/admin/v1/orgs/{org}/customers/merge", once(customerMerges.merge))
        router.add(.get, "/admin/v1/orgs/{org}/customers/{customer}/export", subjectAccess.export)
        router.add(.post, "/admin/v1/orgs/{org}/customers/{customer}/erase", erasure.erase)
        router.add(.post, "/admin/v1/orgs/{org}/suppressions/lift", erasure.lift)
        router.add(.get, "/admin/v1/orgs/{org}/matching-settings", matching.show)
        router.add(.put, "/admin/v1/orgs/{org}/matching-settings", matching.save)

        router.add(.get, "/admin/v1/orgs/{org}/outbox", outbox.list)
        router.add(.get, "/admin/v1/orgs/{org}/outbox/{message}", outbox.show)
        router.add(.post, "/admin/v1/orgs/{org}/outbox/{message}/retry", outbox.retry)

        let webhooks = WebhookEndpointsHandler(context: context, store: WebhookEndpointStore(scope: scope), secrets: secrets)
        router.add(.post, "/admin/v1/orgs/{org}/webhook-endpoints", webhooks.create)  // returns a secret
        router.add(.get, "/admin/v1/orgs/{org}/webhook-endpoints", webhooks.list)
        router.add(.get, "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}", webhooks.show)
        router.add(.patch, "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}", webhooks.update)
        router.add(.delete, "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}", webhooks.delete)
        router.add(.post, "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}/rotate-secret", webhooks.rotate)  // returns a secret
        router.add(.post, "/admin/v1/orgs/{org}/webhook-endpoints/{endpoint}/replay", webhooks.replay)

        router.add(.post, "/admin/v1/orgs/{org}/catalogs/{kind}", once(catalogs.create))
        router.add(.get, "/admin/v1/orgs/{org}/catalogs/{kind}", catalogs.list)
        router.add(.patch, "/admin/v1/orgs/{org}/catalogs/{kind}/{item}", catalogs.update)
        router.add(.delete, "/admin/v1/orgs/{org}/catalogs/{kind}/{item}", catalogs.delete)

        router.add(.post, "/admin/v1/orgs/{org}/custom-fields", once(customFields.create))
        router.add(.get, "/admin/v1/orgs/{org}/custom-fields", customFields.list)
        router.add(.patch, "/admin/v1/orgs/{org}/custom-fields/{field}", customFields.update)
        router.add(.delete, "/admin/v1/orgs/{org}/custom-fields/{field}", customFields.delete)

        router.add(.put, "/admin/v1/orgs/{org}/ciopulse", ciopulse.save)
        router.add(.get, "/admin/v1/orgs/{org}/ciopulse", ciopulse.show)
        router.add(.post, "/admin/v1/orgs/{org}/ciopulse/api-keys", ciopulse.createKey)  // returns a secret
        router.add(.get, "/admin/v1/orgs/{org}/ciopulse/api-keys", ciopulse.listKeys)
        router.add(.delete, "/admin/v1/orgs/{org}/ciopulse/api-keys/{key}", ciopulse.revokeKey)

        router.add(.post, "/admin/v1/orgs/{org}/support-groups", once(supportGroups.create))
        router.add(.get, "/admin/v1/orgs/{org}/support-groups", supportGroups.list)
        router.add(.get, "/admin/v1/orgs/{org}/support-groups/{support_group}", supportGroups.show)
        router.add(.patch, "/admin/v1/orgs/{org}/support-groups/{support_group}", supportGroups.update)
        router.add(.delete, "/admin/v1/orgs/{org}/support-groups/{support_group}", supportGroups.delete)
        router.add(.put, "/admin/v1/orgs/{org}/contacts/{contact}/system-id", contactSystemIDs.assign)

        router.add(.get, "/admin/v1/orgs/{org}/integrations/health", integrationHealth.show)
        router.add(.put, "/admin/v1/orgs/{org}/integrations/{kind}", integrations.save)
        router.add(.get, "/admin/v1/orgs/{org}/integrations/{kind}", integrations.show)
        router.add(.put, "/admin/v1/orgs/{org}/integrations/smartertrack/rules", smarterTrackRules.save)
        router.add(.get, "/admin/v1/orgs/{org}/integrations/smartertrack/rules", smarterTrackRules.show)
        router.add(.put, "/admin/v1/orgs/{org}/contacts/{contact}/portal-login", portalLogins.save)
        router.add(.get, "/admin/v1/orgs/{org}/contacts/{contact}/portal-login", portalLogins.show)
        router.add(.delete, "/admin/v1/orgs/{org}/contacts/{contact}/portal-login", portalLogins.delete)

        router.add(.get, "/admin/v1/orgs/{org}/audit", audit.list)

        for channel in ["smtp", "sms"] {
            router.add(.put, "/admin/v1/orgs/{org}/delivery/\(channel)", delivery.save)  // takes a secret: no replay store
            router.add(.get, "/admin/v1/orgs/{org}/delivery/\(channel)", delivery.show)
            router.add(.delete, "/admin/v1/orgs/{org}/delivery/\(channel)", delivery.delete)
        }
        router.add(.post, "/admin/v1/orgs/{org}/delivery/test", delivery.test)
    }
}
