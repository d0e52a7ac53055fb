import CRM

/// `add-deal` (crm-listener-webhook.txt). Being written: refuses every item until then.
enum AddDeal {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        throw ActionFailure("data[\(item.index)].actionType", "'add-deal' is not available yet")
    }
}
