import CRM

/// `send-sms` (crm-listener-webhook.txt). Being written: refuses every item until then.
enum SendSMS {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        throw ActionFailure("data[\(item.index)].actionType", "'send-sms' is not available yet")
    }
}
