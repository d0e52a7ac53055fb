/// One element of a parsed XML document: its qualified name, attributes in document order, children and
/// character data. Namespace prefixes are kept as written; `namespaceURI` resolves them through the
/// `xmlns` declarations in scope when the element was parsed.
public struct XMLElement: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public enum Node: Sendable, Equatable {
        case element(XMLElement)
        case text(String)
    }

    /// The name as written, e.g. `soap:Envelope`.
    public let name: String
    /// The namespace the element's prefix (or the default namespace) is bound to, or nil.
    public let namespaceURI: String?
    public let attributes: [Attribute]
    public let nodes: [Node]

    public init(name: String, namespaceURI: String? = nil, attributes: [Attribute] = [], nodes: [Node] = []) {
        self.name = name
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.nodes = nodes
    }

    /// The name without its prefix: `Envelope` for `soap:Envelope`.
    public var localName: Substring {
        guard let colon = name.firstIndex(of: ":") else { return name[...] }
        return name[name.index(after: colon)...]
    }

    public var children: [XMLElement] {
        nodes.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The concatenated character data of this element and its descendants.
    public var text: String {
        var result = ""
        for node in nodes {
            switch node {
            case .text(let text): result += text
            case .element(let element): result += element.text
            }
        }
        return result
    }

    /// The value of an attribute by exact name, or by local name when `name` has no prefix.
    public func attribute(_ name: String) -> String? {
        if let exact = attributes.first(where: { $0.name == name }) { return exact.value }
        guard !name.contains(":") else { return nil }
        return attributes.first { attribute in
            guard let colon = attribute.name.firstIndex(of: ":") else { return false }
            return attribute.name[attribute.name.index(after: colon)...] == name && !attribute.name.hasPrefix("xmlns")
        }?.value
    }

    /// The first child whose local name matches, compared case-sensitively unless asked otherwise.
    public func child(_ localName: String, caseInsensitive: Bool = false) -> XMLElement? {
        children.first { Self.matches($0.localName, localName, caseInsensitive: caseInsensitive) }
    }

    public func children(_ localName: String, caseInsensitive: Bool = false) -> [XMLElement] {
        children.filter { Self.matches($0.localName, localName, caseInsensitive: caseInsensitive) }
    }

    static func matches(_ name: Substring, _ wanted: String, caseInsensitive: Bool) -> Bool {
        caseInsensitive ? name.lowercased() == wanted.lowercased() : name == wanted
    }
}
