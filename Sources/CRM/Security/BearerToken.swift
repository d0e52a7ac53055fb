/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
public enum BearerToken {
    /// - Throws: `CRMError.unauthorized` when the header is missing or not a bearer credential.
    public static func parse(_ header: String?) throws(CRMError) -> String {
        guard let header else { throw CRMError.unauthorized("missing Authorization: Bearer <token>") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw CRMError.unauthorized("Authorization must be 'Bearer <token>'")
        }
        return String(parts[1]).trimmingCharacters(in: " ")
    }
}
