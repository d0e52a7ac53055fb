import CRM

/// `add-note` (crm-listener-webhook.txt). Being written: refuses every item until then.
enum AddNote {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        throw ActionFailure("data[\(item.index)].actionType", "'add-note' is not available yet")
    }
}
