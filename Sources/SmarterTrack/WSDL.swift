import XML

/// The service description served at `?WSDL`: what an ASMX web service implementing the six external-provider
/// interfaces would publish (document/literal wrapped, a SOAP 1.1 and a SOAP 1.2 binding), so that .NET's
/// `wsdl.exe`/"Add Web Reference", zeep or any WSDL-driven client calls it unchanged.
///
/// The contract, written down because SmarterTools publishes the interfaces (SmarterTrack.Connector.dll) but not
/// their XML: namespace `http://tempuri.org/` (the ASMX default, which the sample provider keeps); each method takes
/// one `inputs` element whose `InputVariables` is an ArrayOfString of "variable=value" strings, and answers
/// `<MethodResponse><MethodResult>` with Success, Message (and CustomFieldDataItems for GetCustomFieldOptions,
/// UserInfoHtml for GetUserDetails) and OutputVariables; SOAPAction `http://tempuri.org/<Method>`.
enum WSDL {
    static let namespace = "http://tempuri.org/"
    static let serviceName = "CRMHubExternalProvider"

    static func document(location: String) -> String {
        let address = XMLEscaping.escape(location)
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <!-- CRMHub as a SmarterTrack external provider (login, custom fields, ticket, live chat, user information, events).
                 Contract: document/literal wrapped; namespace http://tempuri.org/; SOAPAction http://tempuri.org/<Method>
                 (SOAP 1.1) or action="http://tempuri.org/<Method>" in the Content-Type (SOAP 1.2); inputs/InputVariables
                 is a list of "variable=value" strings; results carry Success, Message and OutputVariables ("variable=value"). -->
            <wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" \
            xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:s="http://www.w3.org/2001/XMLSchema" \
            xmlns:tns="\(namespace)" targetNamespace="\(namespace)">
            <wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="\(namespace)">
            <s:complexType name="ArrayOfString"><s:sequence>\
            <s:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="s:string"/></s:sequence></s:complexType>
            <s:complexType name="ExternalCustomFieldData"><s:sequence>\
            <s:element minOccurs="0" maxOccurs="1" name="CustomFieldName" type="s:string"/>\
            <s:element minOccurs="1" maxOccurs="1" name="DisplayWithInformationLookup" type="s:boolean"/>\
            <s:element minOccurs="1" maxOccurs="1" name="ChangeListOptions" type="s:boolean"/>\
            <s:element minOccurs="0" maxOccurs="1" name="ListOptions" type="tns:ArrayOfString"/>\
            <s:element minOccurs="1" maxOccurs="1" name="ChangeRequired" type="s:boolean"/>\
            <s:element minOccurs="1" maxOccurs="1" name="NewRequiredValue" type="s:boolean"/>\
            <s:element minOccurs="1" maxOccurs="1" name="ChangeVisible" type="s:boolean"/>\
            <s:element minOccurs="1" maxOccurs="1" name="NewVisibleValue" type="s:boolean"/></s:sequence></s:complexType>
            <s:complexType name="ArrayOfExternalCustomFieldData"><s:sequence>\
            <s:element minOccurs="0" maxOccurs="unbounded" name="ExternalCustomFieldData" nillable="true" type="tns:ExternalCustomFieldData"/>\
            </s:sequence></s:complexType>

            """
        for type in Set(ProviderMethod.allCases.map(\.inputType)).sorted() {
            xml +=
                "<s:complexType name=\"\(type)\"><s:sequence>"
                + "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"InputVariables\" type=\"tns:ArrayOfString\"/></s:sequence></s:complexType>\n"
        }
        for method in ProviderMethod.allCases where !xml.contains("name=\"\(method.resultType)\"") {
            xml +=
                "<s:complexType name=\"\(method.resultType)\"><s:sequence>"
                + "<s:element minOccurs=\"1\" maxOccurs=\"1\" name=\"Success\" type=\"s:boolean\"/>"
                + "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"Message\" type=\"s:string\"/>"
            if method == .getCustomFieldOptions {
                xml +=
                    "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"CustomFieldDataItems\" type=\"tns:ArrayOfExternalCustomFieldData\"/>"
            }
            if method == .getUserDetails {
                xml += "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"UserInfoHtml\" type=\"s:string\"/>"
            }
            xml +=
                "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"OutputVariables\" type=\"tns:ArrayOfString\"/></s:sequence></s:complexType>\n"
        }
        for method in ProviderMethod.allCases {
            let name = method.rawValue
            xml +=
                "<s:element name=\"\(name)\"><s:complexType><s:sequence>"
                + "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"inputs\" type=\"tns:\(method.inputType)\"/></s:sequence></s:complexType></s:element>\n"
                + "<s:element name=\"\(name)Response\"><s:complexType><s:sequence>"
                + "<s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"\(name)Result\" type=\"tns:\(method.resultType)\"/></s:sequence></s:complexType></s:element>\n"
        }
        xml += "</s:schema></wsdl:types>\n"
        for method in ProviderMethod.allCases {
            let name = method.rawValue
            xml +=
                "<wsdl:message name=\"\(name)SoapIn\"><wsdl:part name=\"parameters\" element=\"tns:\(name)\"/></wsdl:message>\n"
                + "<wsdl:message name=\"\(name)SoapOut\"><wsdl:part name=\"parameters\" element=\"tns:\(name)Response\"/></wsdl:message>\n"
        }
        xml += "<wsdl:portType name=\"\(serviceName)Soap\">\n"
        for method in ProviderMethod.allCases {
            let name = method.rawValue
            xml +=
                "<wsdl:operation name=\"\(name)\"><wsdl:input message=\"tns:\(name)SoapIn\"/>"
                + "<wsdl:output message=\"tns:\(name)SoapOut\"/></wsdl:operation>\n"
        }
        xml += "</wsdl:portType>\n"
        for (binding, prefix) in [("\(serviceName)Soap", "soap"), ("\(serviceName)Soap12", "soap12")] {
            xml +=
                "<wsdl:binding name=\"\(binding)\" type=\"tns:\(serviceName)Soap\">"
                + "<\(prefix):binding transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n"
            for method in ProviderMethod.allCases {
                xml +=
                    "<wsdl:operation name=\"\(method.rawValue)\">"
                    + "<\(prefix):operation soapAction=\"\(namespace)\(method.rawValue)\" style=\"document\"/>"
                    + "<wsdl:input><\(prefix):body use=\"literal\"/></wsdl:input><wsdl:output><\(prefix):body use=\"literal\"/></wsdl:output>"
                    + "</wsdl:operation>\n"
            }
            xml += "</wsdl:binding>\n"
        }
        xml +=
            "<wsdl:service name=\"\(serviceName)\">"
            + "<wsdl:port name=\"\(serviceName)Soap\" binding=\"tns:\(serviceName)Soap\"><soap:address location=\"\(address)\"/></wsdl:port>"
            + "<wsdl:port name=\"\(serviceName)Soap12\" binding=\"tns:\(serviceName)Soap12\"><soap12:address location=\"\(address)\"/></wsdl:port>"
            + "</wsdl:service>\n</wsdl:definitions>\n"
        return xml
    }
}
