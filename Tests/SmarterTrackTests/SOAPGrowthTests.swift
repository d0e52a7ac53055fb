import CRMHubTesting
import Testing

@testable import SmarterTrack

/// A call is read before `AuthPW` is checked (it is one of the inputs), so reading must take time linear in the
/// envelope (GrowthCheck: 1×, 4×, 16×).
@Suite("SmarterTrack SOAP envelopes: linear time")
struct SOAPGrowthTests {
    static func reads(_ body: [UInt8]) {
        guard case .success(let call) = SOAPCall.read(body, contentType: "text/xml", soapAction: nil),
            call.inputs["AuthPW"] == "wrong"
        else {
            Issue.record("not read")
            return
        }
    }

    @Test("an envelope with many input variables")
    func inputs() {
        let report = GrowthCheck().measure(
            "input variables",
            input: { factor in
                SOAPCallTests.envelope(
                    "Authenticate", ["AuthPW=wrong"] + (0..<(1_000 * factor)).map { "cf_Field\($0)=Ngọc & <Trinh>" })
            }, work: Self.reads)
        #expect(report.isLinear, "\(report)")
    }

    @Test("an envelope with many elements around the inputs")
    func wrappers() {
        let report = GrowthCheck().measure(
            "wrapper elements",
            input: { factor in
                let wrappers = String(repeating: "<w a='1'><x>text</x></w>", count: 2_000 * factor)
                return Array(
                    """
                    <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>\
                    <Authenticate xmlns="http://tempuri.org/">\(wrappers)<string>AuthPW=wrong</string></Authenticate>\
                    </soap:Body></soap:Envelope>
                    """.utf8)
            }, work: Self.reads)
        #expect(report.isLinear, "\(report)")
    }
}
