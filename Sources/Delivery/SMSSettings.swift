import CRM
import HTTPClient
import JSON

/// An org's SMS provider (`PUT /admin/v1/orgs/{org}/delivery/sms`): a generic HTTP endpoint, or the `twilio`
/// preset. The auth secret (header value, Basic password or Twilio auth token) is kept apart, encrypted.
public struct SMSSettings: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable { case http, twilio }
    public enum Method: String, Sendable, CaseIterable { case POST, PUT }
    public enum Auth: String, Sendable, CaseIterable { case none, header, basic }

    public var provider: Provider
    /// The endpoint (http); for twilio the API's base URL (https://api.twilio.com unless told otherwise).
    public var url: String
    public var method: Method
    public var contentType: String
    /// The request body with `{phone}`, `{text}`, `{from}` and `{message_id}`, each escaped for `contentType`.
    public var bodyTemplate: String
    public var auth: Auth
    /// The header that carries the secret (auth = header), e.g. `Authorization` or `X-API-Key`.
    public var authHeader: String?
    /// The Basic user name (auth = basic); the Twilio Account SID for twilio.
    public var username: String?
    /// The sender (`From` for twilio; `{from}` in a template).
    public var from: String?

    public static let placeholders = ["phone", "text", "from", "message_id"]
    static let fields: Set<String> = [
        "provider", "url", "method", "content_type", "body_template", "auth", "auth_header", "username", "account_sid",
        "from", "secret",
    ]
    static let twilioBase = "https://api.twilio.com"

    public static func parse(_ object: JSONObject) -> Result<SMSSettings, CRMError> {
        var reader = SettingsReader(object, allowed: fields)
        let provider = reader.choice("provider", Provider.self) ?? .http
        var url = reader.string("url", required: provider == .http, maxLength: 2000)
        if let text = url, HTTPURL(text) == nil {
            reader.errors.append(FieldError("url", "must be an http:// or https:// URL with a host"))
            url = nil
        }
        let from = reader.string("from", maxLength: 100)
        switch provider {
        case .twilio:
            let sid = reader.string("account_sid", required: true, maxLength: 100)
            if from == nil { reader.errors.append(FieldError("from", "is required for twilio (the sending number or service)")) }
            for key in ["method", "content_type", "body_template", "auth", "auth_header", "username"] where object[key] != nil {
                reader.errors.append(FieldError(key, "is set by the twilio preset"))
            }
            guard reader.errors.isEmpty, let sid else { return .failure(.invalid(reader.errors)) }
            return .success(
                SMSSettings(
                    provider: .twilio, url: url ?? twilioBase, method: .POST, contentType: "application/x-www-form-urlencoded",
                    bodyTemplate: "To={phone}&From={from}&Body={text}", auth: .basic, authHeader: nil, username: sid, from: from))
        case .http:
            let method = reader.choice("method", Method.self) ?? .POST
            let contentType = reader.string("content_type", maxLength: 200) ?? "application/json"
            let template = reader.string("body_template", required: true, maxLength: 10_000)
            if let template {
                for name in MessageTemplate(template, syntax: .singleBraces).unknownPlaceholders(known: placeholders) {
                    reader.errors.append(
                        FieldError(
                            "body_template",
                            "uses the unknown placeholder {\(name)}; known: "
                                + placeholders.map { "{\($0)}" }.joined(separator: ", ")))
                }
            }
            let auth = reader.choice("auth", Auth.self) ?? .none
            let header = reader.string("auth_header", required: auth == .header, maxLength: 100)
            if let header, !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                reader.errors.append(FieldError("auth_header", "must be an HTTP header name (letters, digits, -)"))
            }
            let username = reader.string("username", required: auth == .basic, maxLength: 200)
            if object["account_sid"] != nil { reader.errors.append(FieldError("account_sid", "is only for the twilio provider")) }
            guard reader.errors.isEmpty, let url, let template else { return .failure(.invalid(reader.errors)) }
            return .success(
                SMSSettings(
                    provider: .http, url: url, method: method, contentType: contentType, bodyTemplate: template, auth: auth,
                    authHeader: auth == .header ? header : nil, username: auth == .basic ? username : nil, from: from))
        }
    }

    /// Whether these settings need a secret to be usable.
    public var needsSecret: Bool { auth != .none }

    /// The twilio endpoint for the account, or the configured URL.
    public var endpoint: String {
        guard provider == .twilio, let sid = username else { return url }
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        return "\(base)/2010-04-01/Accounts/\(sid)/Messages.json"
    }

    public var config: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        if provider == .twilio {
            return ["provider": "twilio", "url": .string(url), "account_sid": text(username), "from": text(from)]
        }
        return [
            "provider": "http", "url": .string(url), "method": .string(method.rawValue), "content_type": .string(contentType),
            "body_template": .string(bodyTemplate), "auth": .string(auth.rawValue), "auth_header": text(authHeader),
            "username": text(username), "from": text(from),
        ]
    }
}
