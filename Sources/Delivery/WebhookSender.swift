import CRM
import HTTPClient

/// Sends one webhook event the Standard Webhooks way: POST of the stored JSON body with `webhook-id` (the event's,
/// the same on every attempt), `webhook-timestamp` (this attempt's) and `webhook-signature` (one `v1,` signature per
/// active secret: two while a rotated secret overlaps). Any 2xx is success; anything else, or no answer, is
/// retried on the schedule (Backoff). Redirects are not followed.
struct WebhookSender: Sendable {
    let client: HTTPClient

    /// The first bytes of a receiver's answer kept in the attempt log.
    static let excerptBytes = 500

    func send(url text: String, eventID: String, body: String, keys: [[UInt8]], now: Int64) -> SendReport {
        guard let url = HTTPURL(text) else { return SendReport(.failed("the endpoint URL is not valid", permanent: true)) }
        let bytes = Array(body.utf8)
        let signatures = keys.map { WebhookSignature.sign(id: eventID, timestamp: now, body: bytes, key: $0) }.joined(
            separator: " ")
        let headers: [(String, String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "crmhub-webhooks"), ("webhook-id", eventID),
            ("webhook-timestamp", String(now)), ("webhook-signature", signatures),
        ]
        let response: OutboundResponse
        do {
            response = try client.send(OutboundRequest(method: "POST", url: url, headers: headers, body: bytes))
        } catch {
            return SendReport(
                .failed("endpoint: \(error.summary)", permanent: error.isPermanent, detail: "endpoint: \(error.description)"))
        }
        let excerpt = String(decoding: response.body.prefix(Self.excerptBytes), as: UTF8.self)
        guard (200..<300).contains(response.status) else {
            let hint = (300..<400).contains(response.status) ? " (redirects are not followed; set the final URL)" : ""
            return SendReport(
                .failed("endpoint answered \(response.status)\(hint)", permanent: false), status: response.status,
                excerpt: excerpt)
        }
        return SendReport(.sent(providerMessageID: nil), status: response.status, excerpt: excerpt)
    }
}

/// What one send did, with the receiver's answer when there was one (webhooks keep it in the attempt log).
public struct SendReport: Sendable {
    public let result: SendResult
    public let responseStatus: Int?
    public let responseExcerpt: String?

    public init(_ result: SendResult, status: Int? = nil, excerpt: String? = nil) {
        self.result = result
        responseStatus = status
        responseExcerpt = excerpt
    }
}
