import App
import CRM
import CRMHubTesting
import Foundation
import JSON
import Postgres
import Testing
import XML

/// A running server with an org whose customers arrive through a listener (as in production), and helpers to call
/// the helpdesk web calls form-encoded, as Sirportly and SpiceCSM post them.
struct HelpdeskFixture {
    let listener: ListenerFixture
    var slug: String { listener.slug }
    var orgID: Int64 { listener.orgID }
    var server: TestServer { listener.server }

    /// Runs `body` with a server and a listener's org; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(
        configure: @Sendable (inout Configuration) -> Void = { _ in }, _ body: (HelpdeskFixture) async throws -> Result
    ) async throws -> Result {
        try await ListenerFixture.with(configure: configure) { listener in try await body(HelpdeskFixture(listener: listener)) }
    }

    /// PUT /admin/v1/orgs/{org}/integrations/{kind}.
    func configure(_ kind: String, _ settings: JSONValue) async throws {
        try await listener.admin("PUT", "/integrations/\(kind)", settings)
    }

    /// A contact (or lead) added through the listener; its id and code.
    func customer(lead: Bool = false, _ data: JSONValue) async throws -> (id: Int64, code: String) {
        try await ListenerActionSupport.customer(listener, lead: lead, data)
    }

    /// `application/x-www-form-urlencoded`, as browsers and `requests` encode forms.
    static func form(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._* ")
        func encode(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
        }
        return pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    func post(_ path: String, _ pairs: [(String, String)], headers: [(String, String)] = []) async throws -> RawResponse {
        try await server.request(
            "POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: Self.form(pairs))
    }

    /// `multipart/form-data`, as HTTP clients send fields they are told to post as a form (curl -F, requests' files=).
    static func multipart(_ pairs: [(String, String)], boundary: String = "----crmhub-test-7d1f") -> String {
        pairs.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined()
            + "--\(boundary)--\r\n"
    }

    func postMultipart(
        _ path: String, _ pairs: [(String, String)], boundary: String = "----crmhub-test-7d1f"
    ) async throws -> RawResponse {
        try await server.request(
            "POST", path, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
            body: Self.multipart(pairs, boundary: boundary))
    }

    func rows(_ query: Query) async throws -> [Row] { try await listener.rows(query) }
    func count(_ query: Query) async throws -> Int { try await listener.count(query) }

    /// The XML document of a response, or an empty `<unreadable/>`.
    static func xml(_ response: RawResponse) -> XMLElement {
        (try? XMLDocumentParser.parse(response.body)) ?? XMLElement(name: "unreadable")
    }
}
