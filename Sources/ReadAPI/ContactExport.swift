import CRM
import HTTPServer

/// `GET /api/v1/exports/contacts`: every contact of the org (optionally filtered as the contact list is) as NDJSON or
/// CSV, streamed: pages of ``ContactExport/pageSize`` rows are read by id (keyset pagination), each in its own short
/// transaction, and each page is written before the next is read. Contacts created during the export appear when
/// their id is past the page being read.
struct ContactExport: Sendable {
    let records: RecordStore
    let authenticator: ReadAuthenticator

    static let pageSize = 1000

    enum Format: String, CaseIterable {
        case ndjson, csv

        var contentType: String {
            switch self {
            case .ndjson: "application/x-ndjson"
            case .csv: "text/csv; charset=utf-8"
            }
        }
    }

    func export(_ request: Request) async throws -> Response {
        let org = try await authenticator.authorize(request)
        let query = try ListQuery(request, .contacts, paged: false, extra: ["format"])
        let text = request.query("format") ?? "ndjson"
        guard let format = Format(rawValue: text) else {
            throw CRMError.invalid([FieldError("format", "must be one of ndjson, csv")])
        }
        // The first page is read before answering, so a database failure is still a proper error response.
        let stream = ExportStream(records: records, orgID: org.id, filters: query.filters, format: format)
        try await stream.prefetch()
        var headers = HeaderFields([("Content-Type", format.contentType)])
        headers.add("Content-Disposition", "attachment; filename=\"\(org.slug)-contacts.\(format.rawValue)\"")
        return .streaming(headers: headers, stream)
    }
}

/// Pulls one page of contacts per call and renders it.
actor ExportStream: ResponseBodyStream {
    let records: RecordStore
    let orgID: Int64
    let filters: [RecordFilter]
    let format: ContactExport.Format
    private var lastID: Int64 = 0
    private var finished = false
    private var headerWritten = false
    private var prefetched: [Record]?

    init(records: RecordStore, orgID: Int64, filters: [RecordFilter], format: ContactExport.Format) {
        self.records = records
        self.orgID = orgID
        self.filters = filters
        self.format = format
    }

    func prefetch() async throws {
        prefetched = try await read()
    }

    private func read() async throws -> [Record] {
        let rows = try await records.list(
            .contacts, orgID: orgID, filters: filters + [.after(lastID)], order: .oldestFirst, limit: ContactExport.pageSize)
        if let last = rows.last { lastID = last.id }
        if rows.count < ContactExport.pageSize { finished = true }
        return rows
    }

    func next() async throws -> [UInt8]? {
        var out = ""
        if !headerWritten {
            headerWritten = true
            if format == .csv { RecordCSV.header(RecordTable.contacts.fieldNames, into: &out) }
        }
        let rows: [Record]
        if let page = prefetched {
            prefetched = nil
            rows = page
        } else if finished {
            return out.isEmpty ? nil : Array(out.utf8)
        } else {
            rows = try await read()
        }
        out.reserveCapacity(rows.count * 600)
        for record in rows {
            switch format {
            case .ndjson:
                RecordJSON.write(record, into: &out)
                out.append("\n")
            case .csv:
                RecordCSV.write(record, into: &out)
            }
        }
        return Array(out.utf8)
    }
}
