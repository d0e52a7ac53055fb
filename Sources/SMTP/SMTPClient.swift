import NetworkClient

/// How the connection to the SMTP server is protected.
public enum SMTPSecurity: String, Sendable, CaseIterable {
    /// TLS from the first byte (port 465, RFC 8314).
    case tls
    /// Plain connection upgraded with STARTTLS (RFC 3207), required: a server that does not offer it is an error.
    case starttls
    /// No TLS (local relays only).
    case none
}

/// Where and how to submit mail.
public struct SMTPServer: Sendable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    /// The name given in EHLO.
    public var clientName: String
    public var timeout: Duration
    /// The addresses `host` may resolve to.
    public var addressPolicy: AddressPolicy

    public init(
        host: String, port: Int, security: SMTPSecurity, username: String? = nil, password: String? = nil,
        clientName: String, timeout: Duration = .seconds(30), addressPolicy: AddressPolicy = .any
    ) {
        self.addressPolicy = addressPolicy
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.clientName = clientName
        self.timeout = timeout
    }
}

/// Why a message was not accepted.
public enum SMTPError: Error, Sendable, CustomStringConvertible {
    /// The server answered `code` at `stage` (e.g. "RCPT TO").
    case rejected(stage: String, code: Int, text: String)
    case network(NetworkError)
    case protocolError(String)

    /// 5xx replies are permanent (RFC 5321 §4.2.1): trying again will not help. Authentication failures are
    /// permanent too (535), and so is a server at an address the policy forbids.
    public var isPermanent: Bool {
        switch self {
        case .rejected(_, let code, _): code >= 500
        case .network(let error): error.isPermanent
        case .protocolError: false
        }
    }

    public var description: String {
        switch self {
        case .rejected(let stage, let code, let text): "SMTP \(stage): \(code) \(text)"
        case .network(let error): error.description
        case .protocolError(let text): "SMTP: \(text)"
        }
    }

    /// What an org admin is shown: the stage, the reply code and a short reason of our own (RFC 5321 §4.2.2), never
    /// the server's text, which can be anything a server (an internal one, with private targets allowed) sends.
    public var summary: String {
        switch self {
        case .rejected(let stage, let code, _):
            Self.reasons[code].map { "SMTP \(stage): \(code) (\($0))" } ?? "SMTP \(stage): \(code)"
        case .network(let error): error.summary
        case .protocolError(let text): "SMTP: \(text)"
        }
    }

    static let reasons: [Int: String] = [
        421: "service not available", 450: "mailbox unavailable", 451: "local error in processing",
        452: "insufficient system storage", 454: "TLS not available", 500: "command not recognised",
        501: "syntax error in parameters", 502: "command not implemented", 503: "bad sequence of commands",
        504: "parameter not implemented", 521: "does not accept mail", 530: "authentication required",
        534: "authentication mechanism too weak", 535: "authentication failed", 538: "encryption required",
        550: "mailbox unavailable", 551: "user not local", 552: "exceeded storage allocation",
        553: "mailbox name not allowed", 554: "transaction failed", 556: "domain does not accept mail",
    ]
}

/// A reply: its code and its lines' texts (multi-line replies are joined).
struct SMTPReply {
    let code: Int
    let lines: [String]
    var text: String { lines.joined(separator: " ") }
}

/// An SMTP client (RFC 5321) on a blocking connection: EHLO, STARTTLS or implicit TLS with certificate
/// verification, AUTH PLAIN or LOGIN (RFC 4954), one message per connection.
public struct SMTPClient: Sendable {
    public let server: SMTPServer
    public let tls: ClientTLS

    public init(server: SMTPServer, tls: ClientTLS) {
        self.server = server
        self.tls = tls
    }

    /// Sends `message` from `envelopeFrom` to `recipient`.
    /// - Returns: the server's final reply text (often carries its queue id).
    public func send(_ message: MailMessage, envelopeFrom: String, recipient: String) throws(SMTPError) -> String {
        do {
            let connection = try BlockingConnection(
                host: server.host, port: server.port, timeout: server.timeout, policy: server.addressPolicy)
            if server.security == .tls { try connection.startTLS(tls) }
            try expect(connection, 220, "greeting")
            var extensions = try hello(connection)
            if server.security == .starttls {
                guard extensions.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                    throw SMTPError.protocolError("\(server.host) does not offer STARTTLS, which these settings require")
                }
                try command(connection, "STARTTLS", 220, "STARTTLS")
                try connection.startTLS(tls)
                extensions = try hello(connection)
            }
            if let username = server.username {
                try authenticate(connection, username: username, password: server.password ?? "", extensions: extensions)
            }
            try command(connection, "MAIL FROM:<\(envelopeFrom)>", 250, "MAIL FROM")
            try command(connection, "RCPT TO:<\(recipient)>", 250, "RCPT TO", alsoAccept: [251])
            try command(connection, "DATA", 354, "DATA")
            try connection.write(MailMessage.dotStuffed(message.rendered()) + ".\r\n")
            let accepted = try expect(connection, 250, "end of DATA")
            _ = try? command(connection, "QUIT", 221, "QUIT")
            return accepted.text
        } catch let error as SMTPError {
            throw error
        } catch let error as NetworkError {
            throw .network(error)
        } catch {
            throw .protocolError("\(error)")
        }
    }

    /// EHLO; the extension keywords the server lists (e.g. "STARTTLS", "AUTH PLAIN LOGIN").
    private func hello(_ connection: BlockingConnection) throws -> [String] {
        let reply = try command(connection, "EHLO \(server.clientName)", 250, "EHLO")
        return Array(reply.lines.dropFirst())
    }

    private func authenticate(_ connection: BlockingConnection, username: String, password: String, extensions: [String]) throws {
        guard server.security != .none || connection.isTLS else {
            throw SMTPError.protocolError("refusing to send the password without TLS")
        }
        let mechanisms =
            extensions.first { $0.uppercased().hasPrefix("AUTH ") || $0.uppercased().hasPrefix("AUTH=") }
            .map { $0.dropFirst(5).uppercased().split(separator: " ").map(String.init) } ?? []
        if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
            let token = MIMEEncoding.base64(Array("\0\(username)\0\(password)".utf8))
            try command(connection, "AUTH PLAIN \(token)", 235, "AUTH PLAIN")
        } else {
            try command(connection, "AUTH LOGIN", 334, "AUTH LOGIN")
            try command(connection, MIMEEncoding.base64(Array(username.utf8)), 334, "AUTH LOGIN")
            try command(connection, MIMEEncoding.base64(Array(password.utf8)), 235, "AUTH LOGIN")
        }
    }

    @discardableResult
    private func command(
        _ connection: BlockingConnection, _ line: String, _ code: Int, _ stage: String,
        alsoAccept: [Int] = []
    ) throws -> SMTPReply {
        guard !line.contains("\r") && !line.contains("\n") else { throw SMTPError.protocolError("line break in \(stage)") }
        try connection.write(line + "\r\n")
        return try expect(connection, code, stage, alsoAccept: alsoAccept)
    }

    @discardableResult
    private func expect(
        _ connection: BlockingConnection, _ code: Int, _ stage: String, alsoAccept: [Int] = []
    ) throws -> SMTPReply {
        let reply = try Self.readReply(connection)
        guard reply.code == code || alsoAccept.contains(reply.code) else {
            throw SMTPError.rejected(stage: stage, code: reply.code, text: reply.text)
        }
        return reply
    }

    /// Reads "250-first", "250-second", "250 last" as one reply (RFC 5321 §4.2.1).
    static func readReply(_ connection: BlockingConnection) throws -> SMTPReply {
        var lines: [String] = []
        var code = 0
        while true {
            let line = try connection.readLine(limit: 4096)
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let number = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(number)
            else {
                throw SMTPError.protocolError("malformed reply line from \(connection.host)")
            }
            guard code == 0 || code == number else { throw SMTPError.protocolError("reply lines with different codes") }
            code = number
            guard lines.count < 100 else {
                throw SMTPError.protocolError("a reply of more than 100 lines from \(connection.host)")
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return SMTPReply(code: code, lines: lines) }
            guard bytes[3] == UInt8(ascii: "-") else {
                throw SMTPError.protocolError("malformed reply line from \(connection.host)")
            }
        }
    }
}
