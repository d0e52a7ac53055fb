import XML

/// Placeholder templates: the listener's welcome messages (`{{name}}`, …) and the SMS provider's request body
/// (`{phone}`, …). Unknown placeholders are refused when a template is saved, so a typo never reaches a customer.
public struct MessageTemplate: Sendable {
    /// How placeholders are written.
    public enum Syntax: Sendable {
        /// `{{name}}`: the listener's welcome subject and bodies.
        case doubleBraces
        /// `{phone}`: the SMS provider's body template (single braces; `{"` of a JSON body is not a placeholder).
        case singleBraces
    }

    /// The welcome email and SMS placeholders (crm-listener-webhook.txt §2.1, welcome messages).
    public static let welcomeFields = ["name", "lastname", "fullname", "customerId", "email", "phone"]

    public let text: String
    public let syntax: Syntax

    public init(_ text: String, syntax: Syntax) {
        self.text = text
        self.syntax = syntax
    }

    /// The placeholder names used, in order of appearance (repeats included).
    public var placeholders: [String] {
        pieces.compactMap { if case .placeholder(let name) = $0 { name } else { nil } }
    }

    /// The placeholders that are not in `known`, each once.
    public func unknownPlaceholders(known: [String]) -> [String] {
        var unknown: [String] = []
        for name in placeholders where !known.contains(name) && !unknown.contains(name) { unknown.append(name) }
        return unknown
    }

    /// The text with each placeholder replaced by `value(name)` passed through `escape`; unknown names render empty.
    public func render(escape: (String) -> String = { $0 }, _ value: (String) -> String?) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .placeholder(let name): out += escape(value(name) ?? "")
            }
        }
        return out
    }

    enum Piece: Equatable {
        case literal(Substring)
        case placeholder(String)
    }

    /// The text cut into literals and placeholders. A placeholder's name is letters, digits and `_`, starting with
    /// a letter; anything else between braces is literal text.
    var pieces: [Piece] {
        let (open, close) = syntax == .doubleBraces ? ("{{", "}}") : ("{", "}")
        var result: [Piece] = []
        var rest = text[...]
        while let start = rest.firstRange(of: open) {
            let afterOpen = rest[start.upperBound...]
            guard let end = afterOpen.firstRange(of: close) else { break }
            let name = afterOpen[..<end.lowerBound]
            if let first = name.first, first.isASCII, first.isLetter,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                result.append(.literal(rest[..<start.lowerBound]))
                result.append(.placeholder(String(name)))
                rest = afterOpen[end.upperBound...]
            } else {
                result.append(.literal(rest[..<afterOpen.startIndex]))
                rest = afterOpen
            }
        }
        result.append(.literal(rest))
        return result.filter { $0 != .literal("") }
    }

    /// True when the text starts (after white space) with an HTML tag (`<p>`, `<html>`, `<!DOCTYPE html>`, `<div …>`):
    /// such an email body is sent as text/html and its values are HTML-escaped. Only the start counts, so a plain
    /// template whose values contain "<" is never taken for HTML once rendered.
    public static func isHTML(_ text: String) -> Bool {
        let start = text.utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard start.first == UInt8(ascii: "<"), let next = start.dropFirst().first else { return false }
        let isTagStart = (next >= 0x41 && next <= 0x5A) || (next >= 0x61 && next <= 0x7A) || next == UInt8(ascii: "!")
        return isTagStart && start.contains(UInt8(ascii: ">"))
    }

    /// `&`, `<`, `>`, `"` and `'` as character references (the XML module's escaping serves HTML too).
    public static func escapeHTML(_ value: String) -> String { XMLEscaping.escape(value) }
}
