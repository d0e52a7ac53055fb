import CRM

/// `add-ticket` (crm-listener-webhook.txt). Being written: refuses every item until then.
enum AddTicket {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        throw ActionFailure("data[\(item.index)].actionType", "'add-ticket' is not available yet")
    }
}
