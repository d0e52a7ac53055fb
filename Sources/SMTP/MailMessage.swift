import Glibc

/// One email as sent: RFC 5322 headers and a single UTF-8 text part (plain or HTML) in base64, so any
/// content (Vietnamese names, long lines, lines starting with a dot) survives every relay unchanged.
public struct MailMessage: Sendable {
    public var from: String
    public var fromName: String?
    public var to: String
    public var replyTo: String?
    public var subject: String
    public var body: String
    public var isHTML: Bool
    /// Without angle brackets, e.g. `outbox-12-345@crmhub.example`; stable across retries of one message.
    public var messageID: String
    /// Seconds since 1970; now when nil.
    public var date: Int?

    public init(
        from: String, fromName: String? = nil, to: String, replyTo: String? = nil, subject: String, body: String,
        isHTML: Bool, messageID: String, date: Int? = nil
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.isHTML = isHTML
        self.messageID = messageID
        self.date = date
    }

    /// The message with CRLF line ends (not yet dot-stuffed).
    public func rendered() -> String {
        let sender = fromName.map { "\(MIMEEncoding.displayName($0)) <\(from)>" } ?? from
        var headers = [
            "Date: \(Self.rfc5322Date(date ?? Int(time(nil))))",
            "From: \(sender)",
            "To: \(to)",
        ]
        if let replyTo { headers.append("Reply-To: \(replyTo)") }
        headers += [
            "Subject: \(MIMEEncoding.headerValue(subject))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: \(isHTML ? "text/html" : "text/plain"); charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        let normalized = body.replacing("\r\n", with: "\n").replacing("\n", with: "\r\n")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + MIMEEncoding.base64Lines(Array(normalized.utf8)) + "\r\n"
    }

    /// `Mon, 23 Nov 2026 13:05:00 +0000` (RFC 5322 §3.3), in UTC.
    public static func rfc5322Date(_ seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        gmtime_r(&value, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ number: Int32) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// RFC 5321 §4.5.2: a line starting with "." gets another ".".
    public static func dotStuffed(_ text: String) -> String {
        var out = text.hasPrefix(".") ? "." + text : text
        out = out.replacing("\r\n.", with: "\r\n..")
        return out
    }
}
