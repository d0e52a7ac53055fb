import Postgres

/// Tickets, inside a transaction the caller holds. Every statement names the org explicitly so the (org_id, …)
/// indexes are used; the row-level policy still confines it.
public enum TicketStore {
    /// A ticket to write. The requester's details are kept as sent whether or not a customer matched them.
    public struct NewTicket: Sendable {
        public var title: String?
        public var body: String
        /// "customer" or "lead".
        public var contactType: String
        public var customerID: Int64?
        public var dealID: Int64?
        public var groupID: Int64?
        /// SLA and channel catalog names, spelled as the org spells them.
        public var sla: String?
        public var channel: String?
        public var tags: [String]
        /// {"Field name": value}.
        public var customFieldsJSON: String?
        /// {name, email, phone, passport, contactId, customerId} as sent.
        public var requesterJSON: String
        public var authorUserID: Int64?
        public var listenerID: Int64?

        public init(
            title: String? = nil, body: String, contactType: String = "customer", customerID: Int64? = nil, dealID: Int64? = nil,
            groupID: Int64? = nil, sla: String? = nil, channel: String? = nil, tags: [String] = [],
            customFieldsJSON: String? = nil,
            requesterJSON: String = "{}", authorUserID: Int64? = nil, listenerID: Int64? = nil
        ) {
            self.title = title
            self.body = body
            self.contactType = contactType
            self.customerID = customerID
            self.dealID = dealID
            self.groupID = groupID
            self.sla = sla
            self.channel = channel
            self.tags = tags
            self.customFieldsJSON = customFieldsJSON
            self.requesterJSON = requesterJSON
            self.authorUserID = authorUserID
            self.listenerID = listenerID
        }
    }

    /// Inserts the ticket (status open); returns its id.
    public static func insert(_ connection: PostgresConnection, orgID: Int64, _ ticket: NewTicket) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO tickets (org_id, title, body, contact_type, customer_id, deal_id, group_id, sla, channel, tags,
                custom_fields, requester, author_user_id, listener_id)
            VALUES (\(orgID), \(ticket.title), \(ticket.body), \(ticket.contactType), \(ticket.customerID)::bigint,
                \(ticket.dealID)::bigint, \(ticket.groupID)::bigint, \(ticket.sla), \(ticket.channel), \(ticket.tags)::text[],
                coalesce(\(ticket.customFieldsJSON)::jsonb, '{}'), \(ticket.requesterJSON)::jsonb, \(ticket.authorUserID)::bigint,
                \(ticket.listenerID)::bigint)
            RETURNING id
            """
        ).rows[0].decode("id")
    }

    /// Inserts the ticket a helpdesk knows by `externalID` (its case id), or updates that ticket's title, status and
    /// custom fields when it was recorded before. Returns its id and whether it was created.
    public static func upsertExternal(
        _ connection: PostgresConnection, orgID: Int64, source: String, externalID: String, status: String, _ ticket: NewTicket
    ) throws -> (id: Int64, created: Bool) {
        let row = try connection.query(
            """
            INSERT INTO tickets (org_id, title, body, customer_id, channel, custom_fields, requester, status, source, external_id)
            VALUES (\(orgID), \(ticket.title), \(ticket.body), \(ticket.customerID)::bigint, \(ticket.channel),
                coalesce(\(ticket.customFieldsJSON)::jsonb, '{}'), \(ticket.requesterJSON)::jsonb, \(status), \(source), \(externalID))
            ON CONFLICT (org_id, source, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
                title = EXCLUDED.title, status = EXCLUDED.status, customer_id = EXCLUDED.customer_id,
                custom_fields = tickets.custom_fields || EXCLUDED.custom_fields, updated_at = now()
            RETURNING id, xmax = 0 AS inserted
            """
        ).rows[0]
        return try row.decode((Int64, Bool).self)
    }
}
