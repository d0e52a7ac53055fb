import CRM
import HTTPClient
import JSON
import SMTP

/// Sends an outbox SMS through the org's provider: the body template rendered for the content type, auth from
/// the settings, and `Idempotency-Key` set to the message's stable key.
struct SMSSender: Sendable {
    let settings: SMSSettings
    let secret: String?
    let client: HTTPClient

    func send(to phone: String, text: String, key: String) -> SendResult {
        guard let url = HTTPURL(settings.endpoint) else { return .failed("SMS provider URL is not valid", permanent: true) }
        var headers: [(String, String)] = [
            ("Content-Type", settings.contentType), ("Accept", "application/json"), ("User-Agent", "crmhub"),
            ("Idempotency-Key", key),
        ]
        switch settings.auth {
        case .none: break
        case .header: headers.append((settings.authHeader ?? "Authorization", secret ?? ""))
        case .basic:
            let credentials = Array("\(settings.username ?? ""):\(secret ?? "")".utf8)
            headers.append(("Authorization", "Basic " + MIMEEncoding.base64(credentials)))
        }
        let body = render(phone: phone, text: text, key: key)
        let response: OutboundResponse
        do {
            response = try client.send(
                OutboundRequest(method: settings.method.rawValue, url: url, headers: headers, body: Array(body.utf8)))
        } catch {
            return .failed(
                "SMS provider: \(error.summary)", permanent: error.isPermanent, detail: "SMS provider: \(error.description)")
        }
        guard (200..<300).contains(response.status) else {
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
            // 408 and 429 are worth another try; other 4xx mean the request itself is wrong. Redirects are not
            // followed (the credentials would go to wherever they point): the settings need the final URL.
            let permanent = (300..<500).contains(response.status) && response.status != 408 && response.status != 429
            let hint = (300..<400).contains(response.status) ? " (redirects are not followed; set the final URL)" : ""
            return .failed(
                "SMS provider answered \(response.status)\(hint)", permanent: permanent,
                detail: "SMS provider answered \(response.status): \(detail)")
        }
        return .sent(providerMessageID: Self.messageID(response.body))
    }

    /// The body template with each value escaped for the content type (JSON string, form field, or as is).
    func render(phone: String, text: String, key: String) -> String {
        let type = settings.contentType.lowercased()
        let escape: (String) -> String
        if type.contains("json") {
            escape = { String(JSONWriter.string(.string($0)).dropFirst().dropLast()) }
        } else if type.contains("x-www-form-urlencoded") {
            escape = Self.formEncode
        } else {
            escape = { $0 }
        }
        return MessageTemplate(settings.bodyTemplate, syntax: .singleBraces).render(escape: escape) { name in
            switch name {
            case "phone": phone
            case "text": text
            case "from": settings.from ?? ""
            case "message_id": key
            default: nil
            }
        }
    }

    /// application/x-www-form-urlencoded: unreserved characters as they are, space as +, the rest %XX of UTF-8.
    static func formEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x2A: out.unicodeScalars.append(UnicodeScalar(byte))
            case 0x20: out += "+"
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
            }
        }
        return out
    }

    /// `sid` (Twilio), `id` or `message_id` from a JSON response, when there is one.
    static func messageID(_ body: [UInt8]) -> String? {
        guard let object = (try? JSONParser.parse(body))?.objectValue else { return nil }
        for key in ["sid", "id", "message_id"] {
            if let text = object[key]?.stringValue, !text.isEmpty { return String(text.prefix(500)) }
            if let number = object[key]?.intValue { return String(number) }
        }
        return nil
    }
}
