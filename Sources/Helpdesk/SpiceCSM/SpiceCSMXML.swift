import CRM
import HTTPServer
import JSON

/// The XML SpiceCSM expects back (spicecsm-web-call-integrations.txt, "Account Search/Load"), every attribute value
/// encoded by `SpiceCSMEncoding`.
enum SpiceCSMXML {
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    static func response(_ document: String, status: Int = 200) -> Response {
        Response(status: status, contentType: "text/xml; charset=utf-8", body: document)
    }

    /// `<users>` with one `<user status userkey name email phone />` per account; no children when none matched.
    static func users(_ profiles: [CustomerProfile]) -> String {
        var out = declaration + "<users>\n"
        for profile in profiles {
            let name = [profile.name, profile.lastname ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
            out +=
                "  <user"
                + attributes([
                    ("status", status(profile)), ("userkey", profile.code.description), ("name", name),
                    ("email", profile.emails.first?.value ?? ""), ("phone", ContactRoles(profile).searchPhone?.value ?? ""),
                ]) + " />\n"
        }
        return out + "</users>\n"
    }

    /// `<userdata>` with `<user>`, one `<contact>` (the customer) and `<fielddata>` (its custom fields by definition id).
    static func userdata(_ profile: CustomerProfile, fields: [(id: Int64, value: String)]) -> String {
        let roles = ContactRoles(profile)
        let address = profile.addresses.first ?? JSONObject()
        var out = declaration + "<userdata>\n"
        out +=
            "  <user"
            + attributes([
                ("userkey", profile.code.description), ("password", ""), ("status", status(profile)),
                ("account", profile.contactID ?? ""),
            ]) + " />\n"
        out +=
            "  <contacts>\n    <contact"
            + attributes([
                ("firstname", profile.name), ("lastname", profile.lastname ?? ""), ("aone", address["street"]?.stringValue ?? ""),
                ("atwo", address["street2"]?.stringValue ?? ""), ("city", address["city"]?.stringValue ?? ""),
                ("region", address["state"]?.stringValue ?? ""), ("pc", address["zip"]?.stringValue ?? ""),
                ("country", address["country"]?["code"]?.stringValue ?? address["country"]?["name"]?.stringValue ?? ""),
                ("pphone", roles.pphone?.value ?? ""), ("sphone", roles.sphone?.value ?? ""),
                ("pemail", roles.pemail?.value ?? ""),
                ("semail", roles.semail?.value ?? ""), ("mobile", roles.mobile?.value ?? ""), ("fax", roles.fax?.value ?? ""),
            ]) + " />\n  </contacts>\n  <fielddata>\n"
        for field in fields { out += "    <field" + attributes([("id", String(field.id)), ("value", field.value)]) + " />\n" }
        return out + "  </fielddata>\n</userdata>\n"
    }

    /// The account status: the customer's "Status" custom field, or "Active".
    static func status(_ profile: CustomerProfile) -> String {
        profile.customFields["Status"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "Active"
    }

    static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(SpiceCSMEncoding.encode($0.1))\"" }.joined()
    }
}
