import CRM
import JSON

/// A CRM contact as the helpdesk providers see it: who it is, how to reach it, its custom fields, its portal login
/// (when it has one) and its latest tickets.
public struct PortalCustomer: Sendable {
    public struct Login: Sendable, Equatable {
        public let username: String
        public let status: String
        public let passwordHash: String
    }

    public struct TicketLine: Sendable, Equatable {
        public let id: Int64
        public let title: String?
        public let status: String
        public let createdAt: String
    }

    public let id: Int64
    public let code: CustomerCode
    public let name: String
    public let lastname: String?
    public let title: String?
    public let emails: [String]
    public let phones: [String]
    public let company: String?
    /// CRM custom fields in stored order, values as text (lists joined with ", ").
    public let customFields: [(name: String, value: String)]
    public let tags: [String]
    public let login: Login?
    public var recentTickets: [TicketLine] = []

    public var displayName: String { [name, lastname].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ") }

    /// The standing the SmarterTrack rules look up: the portal login's status, "active" without one.
    public var status: String { login?.status ?? "active" }

    /// The `value` of each `{type, value}` entry of a stored emails/phones array.
    static func values(ofContactPoints json: String) -> [String] {
        guard let list = (try? JSONParser.parse(json))?.arrayValue else { return [] }
        return list.compactMap { $0["value"]?.stringValue }
    }

    /// A stored custom-fields object as (name, text) pairs.
    static func fields(_ json: String) -> [(name: String, value: String)] {
        guard let object = (try? JSONParser.parse(json))?.objectValue else { return [] }
        return object.compactMap { member in text(member.value).map { (member.key, $0) } }
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): JSONWriter.format(number)
        case .array(let list): list.compactMap(text).joined(separator: ", ")
        case .object: JSONWriter.string(value)
        }
    }
}
