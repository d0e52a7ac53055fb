import Foundation
import Testing

@testable import SMTP

@Suite("mail messages: MIME, encoded words, dot-stuffing")
struct MailMessageTests {
    @Test("base64 matches RFC 4648's test vectors")
    func base64() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors { #expect(MIMEEncoding.base64(Array(plain.utf8)) == encoded) }
    }

    @Test("a Vietnamese subject becomes UTF-8 B encoded-words of at most 75 characters that decode back")
    func encodedWords() throws {
        let subject = "Chào mừng Nguyễn Thị Phương Thảo đến với Công ty Cổ phần Hải Triều Kim"
        let header = MIMEEncoding.headerValue(subject)
        let words = header.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var bytes: [UInt8] = []
        for word in words {
            #expect(word.count <= 75 && word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            bytes += try #require(Base64Decoder.decode(String(word.dropFirst(10).dropLast(2))))
        }
        #expect(String(decoding: bytes, as: UTF8.self) == subject)
        #expect(MIMEEncoding.headerValue("Welcome, Ann") == "Welcome, Ann")
        #expect(MIMEEncoding.displayName("HTK \"Labs\"") == "\"HTK \\\"Labs\\\"\"")
    }

    @Test("the message has the RFC 5322 headers, a base64 UTF-8 body, and a stable Message-ID")
    func rendered() throws {
        let message = MailMessage(
            from: "crm@htk.vn", fromName: "Công ty HTK", to: "an@example.com", replyTo: "support@htk.vn", subject: "Xin chào",
            body: "Xin chào Nguyễn Văn An\n.hidden line\n", isHTML: false, messageID: "outbox-7-42@crm.htk.vn",
            date: 1_795_440_000)
        let text = message.rendered()
        let (head, body) = try #require(text.split(separator: "\r\n\r\n", maxSplits: 1).map(String.init).pair)
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.contains("Date: Mon, 23 Nov 2026 13:20:00 +0000"))
        #expect(lines.contains("From: =?UTF-8?B?Q8O0bmcgdHkgSFRL?= <crm@htk.vn>"))
        #expect(lines.contains("To: an@example.com") && lines.contains("Reply-To: support@htk.vn"))
        #expect(lines.contains("Message-ID: <outbox-7-42@crm.htk.vn>"))
        #expect(lines.contains("Content-Type: text/plain; charset=UTF-8") && lines.contains("Content-Transfer-Encoding: base64"))
        let decoded = try #require(Base64Decoder.decode(body.replacingOccurrences(of: "\r\n", with: "")))
        #expect(String(decoding: decoded, as: UTF8.self) == "Xin chào Nguyễn Văn An\r\n.hidden line\r\n")
    }

    @Test("dot-stuffing doubles a leading dot on every line, the first included")
    func dotStuffing() {
        #expect(MailMessage.dotStuffed(".a\r\nb\r\n.\r\n..c\r\n") == "..a\r\nb\r\n..\r\n...c\r\n")
        #expect(MailMessage.dotStuffed("no dots\r\n") == "no dots\r\n")
    }
}

/// Standard base64 back to bytes, for checking what the encoder wrote.
enum Base64Decoder {
    static func decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits: UInt32 = 0, count = 0
        var out: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8((bits >> UInt32(count)) & 0xFF))
            }
        }
        return out
    }
}

extension Array {
    var pair: (Element, Element)? { count == 2 ? (self[0], self[1]) : nil }
}
