import Platform

/// Where and why a document is not well-formed XML. `offset` is a byte offset; `line` and `column` count from 1.
public struct XMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(reason) at line \(line), column \(column) (byte \(offset))" }
}

/// A small non-validating XML 1.0 parser for the documents integrations post: elements, attributes, character
/// data, CDATA, character and the five predefined entity references, namespaces. Comments and processing
/// instructions are skipped. A DOCTYPE is refused, so no external or expanding entity can ever be processed.
///
/// Linear in its input: attribute names are checked for duplicates by hashing and prefixes resolve through one
/// table of the bindings in scope. Limits: `maxDepth` levels of elements and `maxAttributes` attributes per
/// element; a character reference is at most 12 bytes, and no other entity exists.
public struct XMLDocumentParser {
    public static let maxDepth = 256
    public static let maxAttributes = 1_024

    private let bytes: [UInt8]
    private var index = 0
    /// The namespace each prefix ("" for the default namespace) is bound to where the parser is.
    private var bindings: [String: String] = ["xml": "http://www.w3.org/XML/1998/namespace"]

    public static func parse(_ bytes: [UInt8]) throws(XMLSyntaxError) -> XMLElement {
        var parser = XMLDocumentParser(bytes: bytes)
        return try parser.document()
    }

    public static func parse(_ text: String) throws(XMLSyntaxError) -> XMLElement { try parse(Array(text.utf8)) }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func document() throws(XMLSyntaxError) -> XMLElement {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { index = 3 }
        try skipMisc()
        guard index < bytes.count else { throw error("empty document") }
        guard bytes[index] == UInt8(ascii: "<") else { throw error("expected '<' to start the root element") }
        let root = try element(depth: 1)
        try skipMisc()
        guard index == bytes.count else { throw error("unexpected data after the root element") }
        return root
    }

    /// Whitespace, comments, processing instructions (the XML declaration among them) outside the root element.
    private mutating func skipMisc() throws(XMLSyntaxError) {
        while true {
            skipWhitespace()
            if startsWith("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if startsWith("<!--") {
                try skip(past: "-->", what: "comment")
            } else if startsWith("<!DOCTYPE") || startsWith("<!doctype") {
                throw error("a DOCTYPE is not allowed")
            } else {
                return
            }
        }
    }

    private mutating func element(depth: Int) throws(XMLSyntaxError) -> XMLElement {
        guard depth <= Self.maxDepth else { throw error("elements nested deeper than \(Self.maxDepth)") }
        let start = index
        index += 1  // '<'
        let name = try self.name()
        var attributes: [XMLElement.Attribute] = []
        var attributeNames: Set<String> = []
        var scope: [String: String] = [:]
        while true {
            let hadSpace = skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of document in the tag of <\(name)>") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") { break }
            guard hadSpace else { throw error("expected whitespace between attributes of <\(name)>") }
            let attributeStart = index
            let attributeName = try self.name()
            skipWhitespace()
            guard consume(UInt8(ascii: "=")) else { throw error("expected '=' after attribute \(attributeName)") }
            skipWhitespace()
            let value = try attributeValue()
            guard attributeNames.insert(attributeName).inserted else {
                throw error("attribute \(attributeName) appears twice in <\(name)>")
            }
            guard attributes.count < Self.maxAttributes else {
                throw error("more than \(Self.maxAttributes) attributes in <\(name)> (the limit)", at: attributeStart)
            }
            attributes.append(XMLElement.Attribute(name: attributeName, value: value))
            if attributeName == "xmlns" {
                scope[""] = value
            } else if attributeName.hasPrefix("xmlns:") {
                scope[String(attributeName.dropFirst(6))] = value
            }
        }
        let shadowed = scope.map { (prefix: $0.key, uri: bindings[$0.key]) }
        for (prefix, uri) in scope { bindings[prefix] = uri }
        defer { for binding in shadowed { bindings[binding.prefix] = binding.uri } }
        let namespaceURI = resolve(prefix: name.firstIndex(of: ":").map { String(name[..<$0]) } ?? "")
        if name.contains(":") && namespaceURI == nil {
            throw error("the prefix of <\(name)> is not declared", at: start)
        }
        if consume(UInt8(ascii: "/")) {
            guard consume(UInt8(ascii: ">")) else { throw error("expected '>' after '/' in <\(name)>") }
            return XMLElement(name: name, namespaceURI: namespaceURI, attributes: attributes)
        }
        index += 1  // '>'
        let nodes = try content(of: name, depth: depth)
        return XMLElement(name: name, namespaceURI: namespaceURI, attributes: attributes, nodes: nodes)
    }

    private func resolve(prefix: String) -> String? {
        guard let uri = bindings[prefix], !uri.isEmpty else { return nil }
        return uri
    }

    /// Everything up to and including the end tag of `name`.
    private mutating func content(of name: String, depth: Int) throws(XMLSyntaxError) -> [XMLElement.Node] {
        var nodes: [XMLElement.Node] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty { nodes.append(.text(String(decoding: text, as: UTF8.self))) }
            text.removeAll()
        }
        while true {
            guard index < bytes.count else { throw error("unexpected end of document: <\(name)> is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") {
                text += try reference()
            } else if byte != UInt8(ascii: "<") {
                text.append(byte)
                index += 1
            } else if startsWith("</") {
                index += 2
                let closing = try self.name()
                skipWhitespace()
                guard closing == name else { throw error("</\(closing)> does not close <\(name)>") }
                guard consume(UInt8(ascii: ">")) else { throw error("expected '>' to end </\(name)>") }
                flush()
                return nodes
            } else if startsWith("<![CDATA[") {
                index += 9
                guard let end = find("]]>") else { throw error("unexpected end of document in a CDATA section") }
                text += bytes[index..<end]
                index = end + 3
            } else if startsWith("<!--") {
                try skip(past: "-->", what: "comment")
            } else if startsWith("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if startsWith("<!") {
                throw error("unexpected markup declaration in <\(name)>")
            } else {
                flush()
                nodes.append(.element(try element(depth: depth + 1)))
            }
        }
    }

    private mutating func attributeValue() throws(XMLSyntaxError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw error("attribute values must be quoted with \" or '")
        }
        let quote = bytes[index]
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unexpected end of document in an attribute value") }
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return String(decoding: value, as: UTF8.self)
            }
            if byte == UInt8(ascii: "<") { throw error("'<' is not allowed in an attribute value") }
            if byte == UInt8(ascii: "&") {
                value += try reference()
            } else {
                // Attribute-value normalisation (XML 1.0 §3.3.3): literal whitespace becomes a space.
                value.append(byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0x20 : byte)
                index += 1
            }
        }
    }

    /// `&name;` or `&#N;` / `&#xH;`, as UTF-8.
    private mutating func reference() throws(XMLSyntaxError) -> [UInt8] {
        let start = index
        guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw error("'&' must start an entity reference such as &amp;")
        }
        let body = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
        index = semicolon + 1
        switch body {
        case "amp": return [UInt8(ascii: "&")]
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            var code: UInt32?
            if body.hasPrefix("#x") {
                code = UInt32(body.dropFirst(2), radix: 16)
            } else if body.hasPrefix("#") {
                code = UInt32(body.dropFirst(), radix: 10)
            } else {
                throw error("unknown entity &\(body);", at: start)
            }
            guard let code, let scalar = Unicode.Scalar(code), code != 0 else {
                throw error("&\(body); is not a character", at: start)
            }
            return Array(String(Character(scalar)).utf8)
        }
    }

    private mutating func name() throws(XMLSyntaxError) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            let isNameByte =
                byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":")
                || (index > start
                    && ((byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")))
            guard isNameByte else { break }
            index += 1
        }
        guard index > start else {
            throw error(
                index < bytes.count ? "expected a name, found '\(Character(Unicode.Scalar(bytes[index])))'" : "expected a name")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
        return index > start
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func startsWith(_ literal: String) -> Bool {
        let literal = literal.utf8
        guard bytes.count - index >= literal.count else { return false }
        return zip(bytes[index...], literal).allSatisfy { $0 == $1 }
    }

    private func find(_ literal: String) -> Int? {
        let needle = Array(literal.utf8)
        guard bytes.count >= needle.count else { return nil }
        var position = index
        while position <= bytes.count - needle.count {
            if bytes[position] == needle[0] && Array(bytes[position..<(position + needle.count)]) == needle { return position }
            position += 1
        }
        return nil
    }

    private mutating func skip(past terminator: String, what: String) throws(XMLSyntaxError) {
        guard let end = find(terminator) else { throw error("unexpected end of document in a \(what)") }
        index = end + terminator.utf8.count
    }

    private func error(_ reason: String, at position: Int? = nil) -> XMLSyntaxError {
        let offset = min(position ?? index, bytes.count)
        let position = TextPosition(of: offset, in: bytes)
        return XMLSyntaxError(reason: reason, offset: offset, line: position.line, column: position.column)
    }
}
