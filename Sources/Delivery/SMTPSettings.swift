import CRM
import JSON
import SMTP

/// An org's SMTP server (`PUT /admin/v1/orgs/{org}/delivery/smtp`). The password is kept apart, encrypted.
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var fromAddress: String
    public var fromName: String?
    public var replyTo: String?

    static let fields: Set<String> = [
        "host", "port", "security", "username", "password", "from_address", "from_name", "reply_to",
    ]

    /// Reads and validates settings (the admin API's body, or the stored `config`). `password` is not read here.
    public static func parse(_ object: JSONObject) -> Result<SMTPSettings, CRMError> {
        var reader = SettingsReader(object, allowed: fields)
        let host = reader.string("host", required: true, maxLength: 253)
        let security = reader.choice("security", SMTPSecurity.self) ?? .starttls
        let port = reader.integer("port", in: 1...65535) ?? security.defaultPort
        let username = reader.string("username", maxLength: 200)
        if username != nil && security == .none {
            reader.errors.append(
                FieldError("security", "must be tls or starttls when a username is set (the password is never sent in clear)"))
        }
        let from = reader.email("from_address", required: true)
        let name = reader.string("from_name", maxLength: 200)
        let replyTo = reader.email("reply_to")
        guard reader.errors.isEmpty, let host, let from else { return .failure(.invalid(reader.errors)) }
        return .success(
            SMTPSettings(
                host: host, port: port, security: security, username: username, fromAddress: from, fromName: name,
                replyTo: replyTo))
    }

    /// What is stored and shown (never the password).
    public var config: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "host": .string(host), "port": .number(Double(port)), "security": .string(security.rawValue),
            "username": text(username), "from_address": .string(fromAddress), "from_name": text(fromName),
            "reply_to": text(replyTo),
        ]
    }
}

extension SMTPSecurity {
    /// 465 for implicit TLS (RFC 8314), 587 for submission with STARTTLS, 25 for plain SMTP.
    var defaultPort: Int {
        switch self {
        case .tls: 465
        case .starttls: 587
        case .none: 25
        }
    }
}
