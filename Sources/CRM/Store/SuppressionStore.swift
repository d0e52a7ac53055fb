import Postgres

/// The identities of erased people, kept as keyed hashes (`suppressions`, sql/0015): every ingest path asks
/// `Suppressions.first(in:)` before it stores a person, and refuses one whose email, phone or passport is here.
public enum SuppressionStore {
    /// The keyed hash of one identity of an org (`value` normalised as `customer_identities` holds it).
    public static func hash(_ box: SecretBox, orgID: Int64, kind: String, value: String) -> String {
        box.keyedHash("crmhub-suppression\u{0}\(orgID)\u{0}\(kind)\u{0}\(value)")
    }

    /// An org holds its suppression hashes in memory for a check only up to this many; beyond, a check asks the
    /// database for the hashes of the identities it has (a key probe), so an org that erased many people does not
    /// read them all in every ingest transaction.
    public static let heldLimit = 256

    /// `list`, read with `LIMIT heldLimit + 1`, as the hashes to hold, or nil when there are too many to hold.
    static func held(_ list: [String]) -> Set<String>? {
        list.count > heldLimit ? nil : Set(list)
    }

    /// Every suppression hash of the org, or nil when there are more than ``heldLimit``.
    public static func held(_ connection: PostgresConnection, orgID: Int64) throws -> Set<String>? {
        let list = try connection.query("SELECT hash FROM suppressions WHERE org_id = \(orgID) LIMIT \(heldLimit + 1)").rows.map {
            try $0.decode("hash", as: String.self)
        }
        return held(list)
    }

    /// Which of `hashes` the org has suppressed.
    public static func among(_ connection: PostgresConnection, orgID: Int64, hashes: [String]) throws -> Set<String> {
        Set(
            try connection.query("SELECT hash FROM suppressions WHERE org_id = \(orgID) AND hash = ANY(\(hashes)::text[])").rows
                .map { try $0.decode("hash", as: String.self) })
    }

    public static func add(_ connection: PostgresConnection, orgID: Int64, hashes: [(hash: String, kind: String)]) throws {
        guard !hashes.isEmpty else { return }
        try connection.query(
            """
            INSERT INTO suppressions (org_id, hash, kind)
            SELECT \(orgID), h, k FROM unnest(\(hashes.map(\.hash))::text[], \(hashes.map(\.kind))::text[]) AS t(h, k)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Removes one suppression; whether there was one.
    public static func lift(_ connection: PostgresConnection, orgID: Int64, hash: String) throws -> Bool {
        try connection.query("DELETE FROM suppressions WHERE org_id = \(orgID) AND hash = \(hash) RETURNING 1").rows.count == 1
    }
}

/// The check every ingest path makes before it stores a person: is one of their identities suppressed? The org's
/// hashes are read once per check object (one per request or transaction), and only when there is something to
/// check; without a server key (`CRMHUB_SECRET_KEY`) nothing can have been suppressed.
public final class Suppressions {
    let box: SecretBox?
    let connection: PostgresConnection
    let orgID: Int64
    /// Where the hashes are kept once read: the transaction's directory when there is one.
    let cache: OrgDirectory?
    /// The org's hashes when few enough to hold (``SuppressionStore/heldLimit``), read once.
    private var held: Set<String>?
    private var heldRead = false

    public init(box: SecretBox?, connection: PostgresConnection, orgID: Int64, cache: OrgDirectory? = nil) {
        self.box = box
        self.connection = connection
        self.orgID = orgID
        self.cache = cache
    }

    /// The kind ("email", "phone", "passport") of the first suppressed identity among `fields`', or nil.
    public func first(in fields: CustomerFields) throws -> String? {
        var candidates: [(String, String)] = []
        for email in fields.emails ?? [] { candidates.append(("email", email.key)) }
        for phone in fields.phones ?? [] { candidates.append(("phone", phone.key)) }
        if let passport = fields.passportKey { candidates.append(("passport", passport)) }
        return try first(candidates)
    }

    /// The spellings of `fields`' emails, phones and passport, as sent and as compared: what a stored request body
    /// must not keep of a suppressed person.
    public static func spellings(_ fields: CustomerFields) -> [String] {
        var spellings: [String] = []
        for point in (fields.emails ?? []) + (fields.phones ?? []) { spellings += [point.value, point.key] }
        if let passport = fields.passport { spellings.append(passport) }
        if let key = fields.passportKey { spellings.append(key) }
        return Array(Set(spellings.filter { $0.count >= 3 })).sorted { $0.count > $1.count }
    }

    /// The kind of the first suppressed (kind, normalised value), or nil.
    public func first(_ identities: [(kind: String, value: String)]) throws -> String? {
        guard let box, !identities.isEmpty else { return nil }
        if !heldRead {
            held = try cache.map { try $0.suppressions() } ?? SuppressionStore.held(connection, orgID: orgID)
            heldRead = true
        }
        if let held, held.isEmpty { return nil }
        let hashed = identities.map {
            (kind: $0.kind, hash: SuppressionStore.hash(box, orgID: orgID, kind: $0.kind, value: $0.value))
        }
        let suppressed = try held ?? SuppressionStore.among(connection, orgID: orgID, hashes: hashed.map(\.hash))
        return hashed.first { suppressed.contains($0.hash) }?.kind
    }
}
