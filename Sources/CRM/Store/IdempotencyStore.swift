import Postgres

/// Stored first responses for `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): a retried
/// create gets the original answer instead of creating twice. Keys live 24 hours.
public struct IdempotencyStore: Sendable {
    public enum Claim: Sendable, Equatable {
        /// First use: run the request, then `complete` (or `release` on a failure worth retrying).
        case claimed
        /// Seen before with the same request: answer this again.
        case replay(status: Int, body: [UInt8])
        /// The same key with a different request.
        case mismatch
        /// The first request with this key is still running.
        case inProgress
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public func claim(scope name: String, key: String, requestHash: String) async throws -> Claim {
        try await scope.withPlatform { connection in
            try connection.query(
                "DELETE FROM idempotency_keys WHERE scope = \(name) AND key = \(key) AND created_at < now() - interval '24 hours'"
            )
            let inserted = try connection.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, status, response_body)
                VALUES (\(name), \(key), \(requestHash), 0, '\\x') ON CONFLICT DO NOTHING
                """
            ).affectedRows
            if inserted == 1 { return .claimed }
            guard
                let row = try connection.query(
                    """
                    SELECT request_hash, status, response_body FROM idempotency_keys WHERE scope = \(name) AND key = \(key)
                    """
                ).first
            else { return .inProgress }
            guard try row.decode("request_hash", as: String.self) == requestHash else { return .mismatch }
            let status = try row.decode("status", as: Int.self)
            return status == 0 ? .inProgress : .replay(status: status, body: try row.decode("response_body"))
        }
    }

    public func complete(scope name: String, key: String, status: Int, body: [UInt8]) async throws {
        _ = try await scope.withPlatform { connection in
            try connection.query(
                "UPDATE idempotency_keys SET status = \(status), response_body = \(body) WHERE scope = \(name) AND key = \(key)")
        }
    }

    /// Deletes up to `batch` keys past their 24 hours. - Returns: how many.
    public func purgeExpired(batch: Int) async throws -> Int {
        try await scope.withPlatform { connection in
            try connection.query(
                """
                DELETE FROM idempotency_keys WHERE (scope, key) IN (
                    SELECT scope, key FROM idempotency_keys WHERE created_at < now() - interval '24 hours'
                    LIMIT \(batch) FOR UPDATE SKIP LOCKED)
                """
            ).affectedRows
        }
    }

    public func release(scope name: String, key: String) async throws {
        _ = try await scope.withPlatform { connection in
            try connection.query("DELETE FROM idempotency_keys WHERE scope = \(name) AND key = \(key) AND status = 0")
        }
    }
}
