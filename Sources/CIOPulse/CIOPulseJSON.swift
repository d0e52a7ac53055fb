import CRM
import JSON

/// The JSON bodies of the CIOPulse-compatible API.
///
/// Contacts use the payload's own field names, wrapped as the document wraps support groups: one contact is
/// `{"contact":{…}}`, all of them `{"contacts":[{"contact":{…}},…]}`. (The document's example for "all
/// Contacts" shows support groups by mistake; this shape is the one documented in openapi.yaml and kept stable.)
/// Support groups are exactly the document's example shape, keys in its order, "Y"/"N" flags.
enum CIOPulseJSON {
    static func contact(_ contact: CIOPulseContact) -> JSONValue {
        [
            "system_id": .string(contact.systemID), "first_name": .string(contact.firstName), "last_name": text(contact.lastName),
            "job_title": text(contact.jobTitle), "email": text(contact.email), "mobile": text(contact.mobile),
        ]
    }

    static func contactDocument(_ contact: CIOPulseContact) -> [UInt8] {
        JSONWriter.bytes(["contact": self.contact(contact)])
    }

    static func contactsDocument(_ contacts: [CIOPulseContact]) -> [UInt8] {
        JSONWriter.bytes(["contacts": .array(contacts.map { ["contact": self.contact($0)] })])
    }

    static func supportGroup(_ group: SupportGroup) -> JSONValue {
        var object: JSONObject = [
            "Support_Group_System_ID": .string(group.systemID), "Support_Group_Name": .string(group.name),
            "Support_Group_Code": text(group.code), "Department_Code": text(group.departmentCode),
            "Department_System_ID": text(group.departmentSystemID),
            "Support_Lead_Email": text(group.member(.supportLead)?.email),
            "Support_Lead_System_ID": text(group.member(.supportLead)?.systemID),
        ]
        for slot in SupportGroup.Slot.allCases where slot != .supportLead {
            object["Also_Alert_\(slot.rawValue)_Email"] = text(group.member(slot)?.email)
            object["Also_Alert_\(slot.rawValue)_System_ID"] = text(group.member(slot)?.systemID)
        }
        object["Active"] = flag(group.active)
        object["CCS_Only"] = flag(group.ccsOnly)
        object["Exclude_From_NPS"] = flag(group.excludeFromNPS)
        return .object(object)
    }

    static func supportGroupsDocument(_ groups: [SupportGroup]) -> [UInt8] {
        JSONWriter.bytes(["support_groups": .array(groups.map { ["support_group": supportGroup($0)] })])
    }

    static func message(_ text: String, status: Int) -> [UInt8] {
        JSONWriter.bytes(["message": .string(text), "status": .number(Double(status))])
    }

    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    static func flag(_ value: Bool) -> JSONValue { .string(value ? "Y" : "N") }
}
