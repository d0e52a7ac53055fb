import CRM
import HTTPServer
import JSON

/// `GET /admin/v1/orgs/{org}/integrations/health`: how each integration answered the org over the last hour,
/// summed over every instance (calls, errors, p99 latency, last error).
public struct IntegrationHealthHandler: Sendable {
    public static let integrations = ["ciopulse", "sirportly", "spicecsm", "smartertrack"]
    public static let windowMinutes = 60

    public let context: AdminContext
    public let store: IntegrationHealthStore

    public init(context: AdminContext, store: IntegrationHealthStore) {
        self.context = context
        self.store = store
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .admin)
        let summaries = try await store.window(orgID: org.id, minutes: Self.windowMinutes)
        let items = Self.integrations.map { name -> JSONValue in
            guard let summary = summaries.first(where: { $0.integration == name }) else {
                return ["integration": .string(name), "calls": 0, "errors": 0, "p99_ms": .null, "last_error": .null]
            }
            var item: JSONObject = [
                "integration": .string(name), "calls": .number(Double(summary.calls)), "errors": .number(Double(summary.errors)),
                "p99_ms": summary.p99Milliseconds.map(JSONValue.number) ?? .null,
                "last_error": summary.lastError.map {
                    .object(["detail": .string($0), "at": summary.lastErrorAt.map(JSONValue.string) ?? .null])
                }
                    ?? .null,
            ]
            if summary.p99IsBeyondBounds {
                item["p99_over_ms"] = .number(IntegrationHealthStore.bucketBounds.last!)
            }
            return .object(item)
        }
        return AdminJSON.response(["window_minutes": .number(Double(Self.windowMinutes)), "integrations": .array(items)])
    }
}
