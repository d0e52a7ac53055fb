import CRM
import Outbox

/// Consecutive add-contact (or add-lead) actions of a request, written by one statement instead of one each: a
/// batch of a hundred contacts costs the database one statement's overhead, not a hundred.
///
/// Only actions that cannot affect each other join: same series, no company to find or create, and no identity
/// (contact id, passport, email, phone) shared with another action of the batch. Anything else ends the batch
/// first, so the actions still take effect in order.
struct AddBatch {
    private(set) var pending: [AddCustomer.Prepared] = []
    private var keys = Set<String>()

    static func series(for action: ActionType) -> CustomerSeries? {
        switch action {
        case .addContact: .contact
        case .addLead: .lead
        default: nil
        }
    }

    func accepts(_ prepared: AddCustomer.Prepared) -> Bool {
        // Across series, each add first looks in the other series: alone.
        guard prepared.company == nil, !prepared.matching.acrossSeries else { return false }
        guard let first = pending.first else { return true }
        return first.series == prepared.series && keys.isDisjoint(with: CustomerStore.identityKeys(prepared.fields))
    }

    mutating func add(_ prepared: AddCustomer.Prepared) {
        pending.append(prepared)
        keys.formUnion(CustomerStore.identityKeys(prepared.fields))
    }

    /// Writes the batch and empties it; one result per action, in the order they were added. The actions may
    /// come from several requests of one transaction (same listener): each keeps its own request's history and
    /// welcome messages.
    mutating func flush() throws -> [ItemResult] {
        defer {
            pending = []
            keys = []
        }
        guard let first = pending.first else { return [] }
        let context = first.context
        if pending.count == 1 {
            let (outcome, records) = try AddCustomer.apply(first, context: context)
            return [
                ItemResult(
                    index: first.item.index, actionType: first.item.actionType, outcome: outcome, records: records, errors: [])
            ]
        }
        let entries = pending.map { prepared in
            CustomerStore.BatchEntry(
                fields: prepared.fields, channel: prepared.channel, source: prepared.context.source,
                createdDetail: prepared.createdDetail, skippedKinds: prepared.matching.skipped)
        }
        let outcomes = try CustomerStore.createMany(context.connection, orgID: context.orgID, series: first.series, entries)
        var results: [ItemResult] = []
        var messages: [OutboxWriter.Message] = []
        var messageOwners: [Int] = []
        for (prepared, outcome) in zip(pending, outcomes) {
            let item = prepared.item
            switch outcome {
            case .created(let customer):
                results.append(
                    ItemResult(
                        index: item.index, actionType: item.actionType, outcome: .created,
                        records: [TouchedRecord(customer: customer, outcome: .created)], errors: []))
                for message in Welcome.messages(for: customer, fields: prepared.fields, listener: prepared.context.listener) {
                    messages.append(message)
                    messageOwners.append(results.count - 1)
                }
            case .duplicate(let existing):
                results.append(
                    ItemResult(
                        index: item.index, actionType: item.actionType, outcome: .matchedExisting,
                        records: [TouchedRecord(customer: existing, outcome: .matchedExisting)], errors: []))
            case nil:
                // Lost a race for an identity to a concurrent request: alone, it finds that request's customer.
                let (outcome, records) = try AddCustomer.apply(prepared, context: prepared.context)
                results.append(
                    ItemResult(index: item.index, actionType: item.actionType, outcome: outcome, records: records, errors: []))
            }
        }
        let ids = try OutboxWriter.enqueue(context.connection, orgID: context.orgID, listenerID: context.listener.id, messages)
        for (owner, id) in zip(messageOwners, ids) {
            let result = results[owner]
            results[owner] = ItemResult(
                index: result.index, actionType: result.actionType, outcome: result.outcome,
                records: result.records + [TouchedRecord(.message, id: id, outcome: .created)], errors: [])
        }
        return results
    }
}
