import CRM
import HTTPServer

/// The list, the single record and (for customers) the history of one collection.
struct RecordsHandler: Sendable {
    let collection: Collection
    let records: RecordStore
    let authenticator: ReadAuthenticator

    /// Newest first; `next_cursor` is null on the last page.
    func list(_ request: Request) async throws -> Response {
        let org = try await authenticator.authorize(request)
        let query = try ListQuery(request, collection)
        return try await page(collection.table, org: org, filters: query.filters, query: query).logged(org)
    }

    func show(_ request: Request) async throws -> Response {
        let org = try await authenticator.authorize(request)
        if let answer = misdirected(request) { return answer }
        let (record, redirect) = try await findFollowingMerges(request, org: org)
        var response = Self.single(RecordJSON.bytes(record), request)
        if let redirect {
            // The code was merged into another customer: this is the survivor, and the headers say so.
            response.headers.add("Content-Location", "/api/v1/\(collection.path)/\(redirect.survivor)")
            response.headers.add("CRMHub-Merged-Into", redirect.survivor.description)
            response.headers.add("CRMHub-Requested-Code", redirect.requested.description)
        }
        return response.logged(org)
    }

    /// What happened to a customer, newest first.
    func history(_ request: Request) async throws -> Response {
        let org = try await authenticator.authorize(request)
        if let answer = misdirected(request) { return answer }
        let customer = try await findFollowingMerges(request, org: org).record
        let query = try ListQuery(request, .history)
        return try await page(.history, org: org, filters: [.customer(.id(customer.id))], query: query).logged(org)
    }

    /// A 404 that says where a customer code of another series is read: `/api/v1/contacts/LID-1` names a lead,
    /// which is at `/api/v1/leads/LID-1`.
    private func misdirected(_ request: Request) -> Response? {
        let text = request.parameters[collection.parameter] ?? ""
        guard let code = CustomerCode(text), let series = collection.table.series, code.series != series,
            let home = [Collection.contacts, .leads, .companies].first(where: { $0.table.series == code.series })
        else { return nil }
        let kind =
            switch code.series {
            case .contact: "a contact or an account"
            case .lead: "a lead"
            case .company: "a company"
            }
        let suffix = request.route.hasSuffix("/history") ? "/history" : ""
        return .problem(
            status: 404,
            detail: "\(code) is \(kind), not a \(collection.parameter): read it at /api/v1/\(home.path)/\(code)\(suffix)")
    }

    /// The record, or for a customer code merged away (admin merge), the survivor it leads to.
    private func findFollowingMerges(
        _ request: Request, org: Org
    ) async throws
        -> (record: Record, redirect: (requested: CustomerCode, survivor: CustomerCode)?)
    {
        do {
            return (try await find(request, org: org), nil)
        } catch CRMError.notFound(let what) {
            let text = request.parameters[collection.parameter] ?? ""
            guard case .code(let code) = RecordSelector(text, series: collection.table.series),
                let survivor = try await records.redirect(orgID: org.id, code: code),
                let record = try await records.find(collection.table, orgID: org.id, .id(survivor.id))
            else { throw CRMError.notFound(what) }
            return (record, (code, survivor.code))
        }
    }

    private func find(_ request: Request, org: Org) async throws -> Record {
        let text = request.parameters[collection.parameter] ?? ""
        guard let selector = RecordSelector(text, series: collection.table.series),
            let record = try await records.find(collection.table, orgID: org.id, selector)
        else { throw CRMError.notFound("\(collection.parameter) '\(text)'") }
        return record
    }

    private func page(_ table: RecordTable, org: Org, filters: [RecordFilter], query: ListQuery) async throws -> Response {
        let filters = filters + (query.cursor.map { [.before($0)] } ?? [])
        // One more than the page tells whether another page follows.
        let rows = try await records.list(table, orgID: org.id, filters: filters, order: .newestFirst, limit: query.limit + 1)
        let shown = rows.prefix(query.limit)
        let next = rows.count > query.limit ? shown.last.map { Cursor.encode($0.id) } : nil
        return .json(RecordJSON.page(shown, next: next))
    }

    /// A record with its ETag, or 304 when the client already has this version.
    static func single(_ body: [UInt8], _ request: Request) -> Response {
        let tag = EntityTag.of(body)
        var response = EntityTag.matches(request.headers["If-None-Match"], tag) ? Response(status: 304) : .json(body)
        response.headers.add("ETag", tag)
        response.headers.add("Cache-Control", "private, no-cache")
        return response
    }
}

extension Response {
    /// The response with the org named in its access-log line.
    func logged(_ org: Org) -> Response {
        var response = self
        response.logFields.append(("org", org.slug))
        return response
    }
}
