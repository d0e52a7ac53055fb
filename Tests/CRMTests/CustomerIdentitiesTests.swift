import Testing

@testable import CRM

/// The order of a payload's dedup keys decides which existing customer a duplicate is (company name, contact id,
/// passport, then emails and phones as sent); a repeated key counts once.
@Suite("CustomerStore.identities: order and repeats")
struct CustomerIdentitiesTests {
    static func fields(
        contactID: String? = nil, passport: String? = nil, emails: [String] = [], phones: [String] = []
    )
        -> CustomerFields
    {
        var fields = CustomerFields()
        fields.contactID = contactID
        fields.passportKey = passport
        fields.emails = emails.map { ContactPoint(type: "Work", value: $0, key: $0) }
        fields.phones = phones.map { ContactPoint(type: "Mobile", value: $0, key: $0) }
        return fields
    }

    @Test("name, contact id, passport, emails, phones, in that order, each once")
    func order() {
        let fields = Self.fields(
            contactID: "ext-7", passport: "B123", emails: ["b@x.com", "a@x.com", "b@x.com"], phones: ["+8490", "+8490", "+8491"])
        let (kinds, values) = CustomerStore.identities(fields, companyName: "HTK Labs")
        #expect(kinds == ["name", "contact_id", "passport", "email", "email", "phone", "phone"])
        #expect(values == ["htk labs", "ext-7", "B123", "b@x.com", "a@x.com", "+8490", "+8491"])
    }

    @Test("empty and absent values are no identity; the same value of two kinds is two")
    func emptyAndKinds() {
        let fields = Self.fields(contactID: "", passport: nil, emails: ["123456"], phones: ["123456"])
        let (kinds, values) = CustomerStore.identities(fields, companyName: nil)
        #expect(kinds == ["email", "phone"] && values == ["123456", "123456"])
        #expect(CustomerStore.identityKeys(fields) == ["email:123456", "phone:123456"])
        #expect(CustomerStore.identities(CustomerFields(), companyName: "").kinds.isEmpty)
    }
}
