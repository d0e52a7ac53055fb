import HTTPServer
import XML

/// Writes results and faults as ASMX does: document/literal wrapped, `<MethodResponse><MethodResult>`.
enum SOAPResponse {
    static func result(_ result: ProviderResult, for call: SOAPCall) -> Response {
        let name = call.method.rawValue
        var xml = "<\(name)Response xmlns=\"\(XMLEscaping.escape(call.namespace))\"><\(name)Result>"
        xml += "<Success>\(result.success)</Success>"
        xml += element("Message", result.message)
        if call.method == .getCustomFieldOptions {
            xml += "<CustomFieldDataItems>"
            for item in result.customFieldDataItems { xml += customFieldData(item) }
            xml += "</CustomFieldDataItems>"
        }
        if call.method == .getUserDetails, let html = result.userInfoHtml { xml += element("UserInfoHtml", html) }
        xml += "<OutputVariables>"
        for variable in result.outputVariables { xml += element("string", variable) }
        xml += "</OutputVariables></\(name)Result></\(name)Response>"
        return envelope(xml, version: call.version, status: 200)
    }

    static func fault(_ fault: SOAPFault) -> Response {
        let reason = XMLEscaping.escape(fault.reason)
        let body: String
        switch fault.version {
        case .soap11:
            let code = fault.code.qualifiedName(in: .soap11)
            body = "<soap:Fault><faultcode>\(code)</faultcode><faultstring>\(reason)</faultstring><detail /></soap:Fault>"
        case .soap12:
            let code = fault.code.qualifiedName(in: .soap12)
            body =
                "<soap:Fault><soap:Code><soap:Value>\(code)</soap:Value></soap:Code>"
                + "<soap:Reason><soap:Text xml:lang=\"en\">\(reason)</soap:Text></soap:Reason><soap:Detail /></soap:Fault>"
        }
        return envelope(body, version: fault.version, status: fault.status)
    }

    static func envelope(_ body: String, version: SOAPVersion, status: Int) -> Response {
        let text =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<soap:Envelope xmlns:soap=\"\(version.envelopeNamespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
            + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body>\(body)</soap:Body></soap:Envelope>"
        return Response(status: status, contentType: version.contentType, body: text)
    }

    static func element(_ name: String, _ text: String) -> String { "<\(name)>\(XMLEscaping.escape(text))</\(name)>" }

    static func customFieldData(_ item: ProviderResult.CustomFieldData) -> String {
        var xml = "<ExternalCustomFieldData>" + element("CustomFieldName", item.customFieldName)
        xml += "<DisplayWithInformationLookup>\(item.displayWithInformationLookup)</DisplayWithInformationLookup>"
        xml += "<ChangeListOptions>\(item.changeListOptions)</ChangeListOptions><ListOptions>"
        for option in item.listOptions { xml += element("string", option) }
        xml += "</ListOptions><ChangeRequired>\(item.changeRequired)</ChangeRequired>"
        xml += "<NewRequiredValue>\(item.newRequiredValue)</NewRequiredValue><ChangeVisible>\(item.changeVisible)</ChangeVisible>"
        xml += "<NewVisibleValue>\(item.newVisibleValue)</NewVisibleValue></ExternalCustomFieldData>"
        return xml
    }
}
