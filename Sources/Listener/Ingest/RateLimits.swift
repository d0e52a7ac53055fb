import CRM
import Postgres

/// The listener rate limits (README "Limits"): the listener's `rate_limit_per_minute` and the org's requests and
/// items per minute (`org_listener_limits`), over a sliding minute counted from the request log in PostgreSQL, so
/// every instance applies the same count. Requests being processed at the same moment are not in the log yet: a
/// window may let through up to the number in flight at once (about one coalesced group per listener and instance)
/// beyond its limit. A refused request is answered 429 with Retry-After and the IETF httpapi RateLimit fields
/// (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "org-items";q=5000;w=60` and
/// `RateLimit: "org-items";r=0;t=42`.
enum RateLimits {
    struct Limited {
        let refusal: ListenerIngestion.Refusal
        let headers: [(String, String)]
    }

    /// Nil when the request may go on; `items` is how many actions it carries.
    static func check(_ connection: PostgresConnection, listener: ListenerURL, items: Int) throws -> Limited? {
        if let limit = listener.rateLimitPerMinute,
            try ListenerRequestWriter.acceptedLastMinute(connection, orgID: listener.orgID, listenerID: listener.id) >= limit
        {
            let reset = try ListenerRequestWriter.listenerResetSeconds(connection, orgID: listener.orgID, listenerID: listener.id)
            return limited("listener", quota: limit, reset: reset, "this listener accepts \(limit) requests a minute")
        }
        guard let org = listener.orgLimits, org.requestsPerMinute != nil || org.itemsPerMinute != nil else { return nil }
        let usage = try ListenerRequestWriter.orgUsageLastMinute(connection, orgID: listener.orgID)
        if let limit = org.requestsPerMinute, usage.requests >= limit {
            return limited(
                "org-requests", quota: limit, reset: usage.resetSeconds, "this org's listeners accept \(limit) requests a minute")
        }
        if let limit = org.itemsPerMinute, usage.items + items > limit {
            return limited(
                "org-items", quota: limit, reset: usage.resetSeconds,
                "this org's listeners accept \(limit) actions a minute (\(usage.items) in the last minute, \(items) in this request)"
            )
        }
        return nil
    }

    static func limited(_ policy: String, quota: Int, reset: Double, _ detail: String) -> Limited {
        let seconds = max(1, Int(reset.rounded(.up)))
        return Limited(
            refusal: ListenerIngestion.Refusal(429, "\(detail); retry in \(seconds) s (limit \(policy))"),
            headers: [
                ("Retry-After", String(seconds)), ("RateLimit-Policy", "\"\(policy)\";q=\(quota);w=60"),
                ("RateLimit", "\"\(policy)\";r=0;t=\(seconds)"),
            ])
    }
}
