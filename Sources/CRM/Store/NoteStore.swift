import Postgres

/// Notes on a customer or on a deal, inside a transaction the caller holds. Every statement names the org
/// explicitly so the (org_id, …) indexes are used; the row-level policy still confines it.
public enum NoteStore {
    /// A note to write: on a customer or on a deal, exactly one of them (the table checks it).
    public struct NewNote: Sendable {
        public var customerID: Int64?
        public var dealID: Int64?
        public var body: String
        /// {status, group, groupId, users, userIds}.
        public var permitJSON: String?
        public var tags: [String]
        public var channel: String?
        public var authorUserID: Int64?
        public var listenerID: Int64?

        public init(
            customerID: Int64? = nil, dealID: Int64? = nil, body: String, permitJSON: String? = nil, tags: [String] = [],
            channel: String? = nil, authorUserID: Int64? = nil, listenerID: Int64? = nil
        ) {
            self.customerID = customerID
            self.dealID = dealID
            self.body = body
            self.permitJSON = permitJSON
            self.tags = tags
            self.channel = channel
            self.authorUserID = authorUserID
            self.listenerID = listenerID
        }
    }

    /// Inserts the note; returns its id.
    public static func insert(_ connection: PostgresConnection, orgID: Int64, _ note: NewNote) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO notes (org_id, customer_id, deal_id, body, permit, tags, channel, author_user_id, listener_id)
            VALUES (\(orgID), \(note.customerID)::bigint, \(note.dealID)::bigint, \(note.body), \(note.permitJSON)::jsonb,
                \(note.tags)::text[], \(note.channel), \(note.authorUserID)::bigint, \(note.listenerID)::bigint)
            RETURNING id
            """
        ).rows[0].decode("id")
    }

    /// Inserts the note a helpdesk knows by `externalID` (a response id) unless it was recorded before; returns its
    /// id, or nil when it already existed.
    public static func insertExternal(
        _ connection: PostgresConnection, orgID: Int64, source: String, externalID: String, _ note: NewNote
    ) throws -> Int64? {
        try connection.query(
            """
            INSERT INTO notes (org_id, customer_id, body, channel, source, external_id)
            VALUES (\(orgID), \(note.customerID)::bigint, \(note.body), \(note.channel), \(source), \(externalID))
            ON CONFLICT (org_id, source, external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING id
            """
        ).first?.decode("id")
    }
}
