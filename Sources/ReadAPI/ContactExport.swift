import CRM
import HTTPServer
import Postgres

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

/// Renders one page of contacts per call, with the next page already being read: its query runs on a pool thread
/// (and in PostgreSQL) while this page is rendered and written. At most one page is read ahead, and `next()` is
/// called only when the socket has taken the previous page, so memory stays flat however large the org.
actor ExportStream: ResponseBodyStream {
    let records: RecordStore
    let orgID: Int64
    let filters: [RecordFilter]
    let format: ContactExport.Format
    private let renderer: RecordBytes
    private var headerWritten = false
    /// The page being read; nil once the last one (shorter than a page) was rendered.
    private var pending: Task<[Row], any Error>?

    init(records: RecordStore, orgID: Int64, filters: [RecordFilter], format: ContactExport.Format) {
        self.records = records
        self.orgID = orgID
        self.filters = filters
        self.format = format
        renderer = RecordBytes(.contacts, format: format)
    }

    deinit { pending?.cancel() }

    func prefetch() async throws {
        let first = read(after: 0)
        pending = first
        _ = try await first.value
    }

    private func read(after lastID: Int64) -> Task<[Row], any Error> {
        let records = records, orgID = orgID, filters = filters
        return Task {
            try await records.rows(
                .contacts, orgID: orgID, filters: filters + [.after(lastID)], order: .oldestFirst, limit: ContactExport.pageSize)
        }
    }

    func next() async throws -> [UInt8]? {
        var out: [UInt8] = []
        if !headerWritten {
            headerWritten = true
            if format == .csv {
                var header = ""
                RecordCSV.header(RecordTable.contacts.fieldNames, into: &header)
                out.append(contentsOf: header.utf8)
            }
        }
        guard let page = pending else { return out.isEmpty ? nil : out }
        let rows = try await page.value
        pending = nil
        if rows.count == ContactExport.pageSize, let last = rows.last { pending = read(after: try last.decode("id")) }
        out.reserveCapacity(out.count + rows.count * 800)
        for row in rows { try renderer.append(row, to: &out) }
        return out
    }
}
