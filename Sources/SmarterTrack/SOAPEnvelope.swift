import XML

/// SOAP 1.1 (text/xml, SOAPAction header) or SOAP 1.2 (application/soap+xml; action="…").
enum SOAPVersion: Sendable, Equatable {
    case soap11, soap12

    var envelopeNamespace: String {
        switch self {
        case .soap11: "http://schemas.xmlsoap.org/soap/envelope/"
        case .soap12: "http://www.w3.org/2003/05/soap-envelope"
        }
    }

    var contentType: String {
        switch self {
        case .soap11: "text/xml; charset=utf-8"
        case .soap12: "application/soap+xml; charset=utf-8"
        }
    }

    /// The version a Content-Type announces; nil for a type that is neither.
    init?(contentType: String?) {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: " \t").lowercased() } ?? ""
        switch type {
        case "text/xml": self = .soap11
        case "application/soap+xml": self = .soap12
        default: return nil
        }
    }
}

/// One provider call read from a SOAP envelope: the method element (document/literal wrapped, as ASMX does) and its
/// `inputs` list of "variable=value" strings.
struct SOAPCall: Sendable, Equatable {
    let version: SOAPVersion
    let method: ProviderMethod
    /// The namespace of the method element: the answer uses the caller's, so a client built with another
    /// namespace than our WSDL's still reads it.
    let namespace: String
    let inputs: ProviderInputs

    /// Reads a request body. The envelope's namespace decides the version (a mismatch with the Content-Type is a
    /// fault, as is a SOAPAction naming another method than the body).
    static func read(_ body: [UInt8], contentType: String?, soapAction: String?) -> Result<SOAPCall, SOAPFault> {
        let declared = SOAPVersion(contentType: contentType) ?? .soap11
        let root: XMLElement
        do {
            root = try XMLDocumentParser.parse(body)
        } catch {
            return .failure(
                SOAPFault(
                    version: declared, code: .client, reason: "The request is not well-formed XML: \(error.description)",
                    status: 400))
        }
        guard root.localName == "Envelope",
            let version = [SOAPVersion.soap11, .soap12].first(where: { $0.envelopeNamespace == root.namespaceURI })
        else {
            return .failure(
                SOAPFault(
                    version: declared, code: .versionMismatch, reason: "The root element is not a SOAP 1.1 or SOAP 1.2 Envelope.")
            )
        }
        if let stated = SOAPVersion(contentType: contentType), stated != version {
            return .failure(
                SOAPFault(
                    version: version, code: .versionMismatch,
                    reason:
                        "A SOAP \(version == .soap11 ? "1.1" : "1.2") envelope was sent as \(stated.contentType.prefix { $0 != ";" })."
                ))
        }
        guard let body = root.children.first(where: { $0.localName == "Body" && $0.namespaceURI == version.envelopeNamespace })
        else {
            return .failure(SOAPFault(version: version, code: .client, reason: "The Envelope has no Body."))
        }
        guard let element = body.children.first else {
            return .failure(SOAPFault(version: version, code: .client, reason: "The Body names no method."))
        }
        guard let method = ProviderMethod(rawValue: String(element.localName)) else {
            return .failure(
                SOAPFault(
                    version: version, code: .client,
                    reason:
                        "Server did not recognize the method \(element.localName). Known: \(ProviderMethod.allCases.map(\.rawValue).joined(separator: ", "))."
                ))
        }
        let action = (version == .soap12 ? Self.action(inContentType: contentType) : soapAction)?
            .trimmingCharacters(in: " \t\"")
        if let action, !action.isEmpty, !Self.action(action, names: method) {
            return .failure(
                SOAPFault(
                    version: version, code: .client,
                    reason: "Server did not recognize the value of HTTP Header SOAPAction: \(action)."))
        }
        return .success(
            SOAPCall(
                version: version, method: method, namespace: element.namespaceURI ?? "",
                inputs: ProviderInputs(strings: Self.strings(element))))
    }

    /// Whether a SOAPAction names the method: "http://tempuri.org/Authenticate", "urn:x#Authenticate" or just
    /// "Authenticate" (the namespace part is not checked, as the body's namespace is not).
    static func action(_ action: String, names method: ProviderMethod) -> Bool {
        guard action.hasSuffix(method.rawValue) else { return false }
        let before = action.dropLast(method.rawValue.count).last
        return before == nil || !(before!.isLetter || before!.isNumber)
    }

    /// Every `string` element under the method element: `inputs/InputVariables/string` in our WSDL, found at any
    /// depth so that a client with other wrapper names is still understood.
    static func strings(_ element: XMLElement) -> [String] {
        element.children.flatMap { child in child.localName == "string" ? [child.text] : strings(child) }
    }

    /// The `action` parameter of a SOAP 1.2 Content-Type.
    static func action(inContentType contentType: String?) -> String? {
        for parameter in (contentType ?? "").split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "action" {
                return pair[1].trimmingCharacters(in: " \t\"")
            }
        }
        return nil
    }
}

/// A SOAP fault, in the version of the request. ASMX answers faults with HTTP 500; a body that is not XML at all
/// gets 400.
struct SOAPFault: Error, Sendable, Equatable {
    enum Code: Sendable {
        case client, server, versionMismatch

        /// SOAP 1.1 says Client/Server, SOAP 1.2 Sender/Receiver.
        func qualifiedName(in version: SOAPVersion) -> String {
            switch (self, version) {
            case (.client, .soap11): "soap:Client"
            case (.client, .soap12): "soap:Sender"
            case (.server, .soap11): "soap:Server"
            case (.server, .soap12): "soap:Receiver"
            case (.versionMismatch, _): "soap:VersionMismatch"
            }
        }
    }

    let version: SOAPVersion
    let code: Code
    let reason: String
    var status = 500
}
