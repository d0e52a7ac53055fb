import CRM
import HTTPServer
import JSON
import Postgres

/// The actions of one request, in order, each atomic.
extension ListenerIngestion {
    /// Runs the items in order. Without savepoints, runs of plain add-contact/add-lead actions are written
    /// together (see `AddBatch`); with them (the exact re-run), every item alone.
    func runAll(_ items: [Envelope.Item], _ context: IngestContext, savepoints: Bool) throws -> [ItemResult] {
        var results = [ItemResult?](repeating: nil, count: items.count)
        var batch = AddBatch()
        func flush() throws {
            do {
                for result in try batch.flush() { results[result.index] = result }
            } catch let error as PostgresError where error.isUnavailable || error.isRetryableTransactionFailure {
                throw error
            } catch {
                throw RestartWithSavepoints()
            }
        }
        for item in items {
            if !savepoints, item.error == nil, let series = item.action.flatMap(AddBatch.series(for:)) {
                do {
                    let prepared = try AddCustomer.prepare(item, series: series, context: context)
                    if prepared.company == nil {
                        if !batch.accepts(prepared) { try flush() }
                        batch.add(prepared)
                        continue
                    }
                } catch let failure as ActionFailure {
                    results[item.index] = .failed(item, failure.errors)
                    continue
                } catch let refusal as SuppressedIdentity {
                    context.suppressedSpellings += refusal.spellings
                    results[item.index] = .suppressed(item, refusal)
                    continue
                }
            }
            try flush()
            results[item.index] = try run(item, context, savepoints: savepoints)
        }
        try flush()
        return results.map { $0! }
    }

    func run(_ item: Envelope.Item, _ context: IngestContext, savepoints: Bool) throws -> ItemResult {
        if let error = item.error { return .failed(item, [error]) }
        if savepoints { try context.connection.setSavepoint("item") }
        context.notices = []
        do {
            let (outcome, records) = try dispatch(item, context)
            if savepoints { try context.connection.releaseSavepoint("item") }
            return ItemResult(
                index: item.index, actionType: item.actionType, outcome: outcome, records: records, errors: [],
                notices: context.notices)
        } catch let failure as ActionFailure {
            if savepoints { try context.connection.rollBackToSavepoint("item") }
            return .failed(item, failure.errors)
        } catch let refusal as SuppressedIdentity {
            if savepoints { try context.connection.rollBackToSavepoint("item") }
            context.suppressedSpellings += refusal.spellings
            return .suppressed(item, refusal)
        } catch let error as PostgresError where error.isUnavailable || error.isRetryableTransactionFailure {
            throw error
        } catch {
            guard savepoints else { throw RestartWithSavepoints() }
            try context.connection.rollBackToSavepoint("item")
            return .failed(item, Self.errors(for: error, item: item))
        }
    }

    func dispatch(_ item: Envelope.Item, _ context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        switch item.action {
        case .addContact: try AddCustomer.run(item, series: .contact, context: context)
        case .addLead: try AddCustomer.run(item, series: .lead, context: context)
        case .updateContact: try UpdateCustomer.run(item, series: .contact, context: context)
        case .updateLead: try UpdateCustomer.run(item, series: .lead, context: context)
        case .addNote: try AddNote.run(item, context: context)
        case .addDeal: try AddDeal.run(item, context: context)
        case .addTicket: try AddTicket.run(item, context: context)
        case .sendSMS: try SendSMS.run(item, context: context)
        case nil: throw ActionFailure("data[\(item.index)].actionType", "is not an action")
        }
    }

    static func errors(for error: any Error, item: Envelope.Item) -> [FieldError] {
        let path = "data[\(item.index)].data"
        switch error {
        case let failure as LateActionFailure: return failure.errors
        case let failure as ActionFailure: return failure.errors
        case CRMError.conflict(let field): return [field]
        case CRMError.invalid(let fields): return fields
        case let failure as PostgresError:
            return [
                FieldError(
                    path,
                    "could not be stored: "
                        + (failure.constraint.map { "violates \($0)" } ?? "database error \(failure.sqlState?.rawValue ?? "")"))
            ]
        default:
            return [FieldError(path, "could not be stored")]
        }
    }
}
