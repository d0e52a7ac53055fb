import Testing

@testable import CRM

/// Welcome messages (`{{name}}`) and the SMS provider's body (`{phone}`): placeholders found, unknown ones named
/// once, values rendered and escaped, HTML told apart by its first tag.
@Suite("MessageTemplate")
struct MessageTemplateTests {
    @Test("double braces: placeholders in order with repeats; spaces or a leading digit are literal text")
    func doubleBraces() {
        let template = MessageTemplate("Hi {{name}} {{ name }} {{1x}} {{name}}, id {{customerId}} {{open", syntax: .doubleBraces)
        #expect(template.placeholders == ["name", "name", "customerId"])
        #expect(
            template.render { ["name": "Ann", "customerId": "PID-1"][$0] } == "Hi Ann {{ name }} {{1x}} Ann, id PID-1 {{open")
    }

    @Test("single braces: a JSON body's own braces are not placeholders")
    func singleBraces() {
        let template = MessageTemplate(#"{"to": "{phone}", "text": "{message}", "n": {"x": 1}}"#, syntax: .singleBraces)
        #expect(template.placeholders == ["phone", "message"])
        #expect(template.render { $0 == "phone" ? "+8490" : "hi" } == #"{"to": "+8490", "text": "hi", "n": {"x": 1}}"#)
    }

    @Test("unknown placeholders are named once each, in order; unknown values render empty")
    func unknown() {
        let template = MessageTemplate("{{nmae}} {{fullname}} {{nmae}} {{phon}}", syntax: .doubleBraces)
        #expect(template.unknownPlaceholders(known: MessageTemplate.welcomeFields) == ["nmae", "phon"])
        #expect(template.render { $0 == "fullname" ? "Ann Le" : nil } == " Ann Le  ")
    }

    @Test("values pass through the escape, the template's own text does not")
    func escaping() {
        let template = MessageTemplate("<p>{{name}} & co</p>", syntax: .doubleBraces)
        #expect(
            template.render(escape: MessageTemplate.escapeHTML) { _ in "<b>Ann & \"Bo\"</b>" }
                == "<p>&lt;b&gt;Ann &amp; &quot;Bo&quot;&lt;/b&gt; & co</p>")
    }

    @Test(
        "HTML is a body that starts with a tag",
        arguments: [
            ("<p>Hi</p>", true), ("  \n<html><body>x</body></html>", true), ("<!DOCTYPE html><p>x</p>", true),
            ("<div class=\"a\">x</div>", true), ("Hi <b>there</b>", false), ("< p>", false), ("<3 you", false), ("<p", false),
            ("", false),
        ])
    func html(text: String, isHTML: Bool) {
        #expect(MessageTemplate.isHTML(text) == isHTML)
    }
}
