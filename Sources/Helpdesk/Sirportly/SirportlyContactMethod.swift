import CRM

/// How a Sirportly contact method (sirportly-customer-data-sources.txt, "The Request": `type` "email", "twitter",
/// "facebook" …, `data` the address or user name) finds a CRM customer, and under which key each of the customer's
/// contact methods is answered.
enum SirportlyContactMethod: Equatable {
    case email(String)
    case phone(String)
    /// {protocol, value} spellings to look for in the customers' IM handles.
    case handles([CustomerProfile.Handle])
    /// The value cannot be one of this type (an email type without an email address): nobody has it.
    case none

    static let phoneTypes: Set<String> = ["phone", "telephone", "mobile", "sms", "fax"]
    /// The IM protocols the CRM stores (crm-listener-webhook.txt `im`), plus Twitter.
    static let protocols = ["Skype", "Facebook", "Twitter", "Yahoo", "Viber", "Hangouts", "Other"]

    init(type rawType: String, data: String) {
        let type = rawType.lowercased()
        if type == "email" {
            self = Identity.email(data).map(Self.email) ?? .none
        } else if Self.phoneTypes.contains(type) {
            self = Identity.phone(data).map(Self.phone) ?? .none
        } else {
            let handle = data.trimmingCharacters(in: " \t")
            guard !handle.isEmpty, !type.isEmpty else {
                self = .none
                return
            }
            // Handles are stored as typed; Twitter ones with or without "@". The listener files protocols it does not
            // know (Twitter among them) under "Other".
            var spellings = [handle, handle.lowercased()]
            let bare = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
            spellings += [bare, "@" + bare, bare.lowercased(), "@" + bare.lowercased()]
            let name = Self.protocolName(type)
            var handles: [CustomerProfile.Handle] = []
            for protocolName in name == "Other" ? ["Other"] : [name, "Other"] {
                for value in spellings where !handles.contains(where: { $0.type == protocolName && $0.value == value }) {
                    handles.append(CustomerProfile.Handle(type: protocolName, value: value))
                }
            }
            self = .handles(handles)
        }
    }

    /// "facebook" → "Facebook"; a protocol the CRM does not list keeps its own name, capitalised.
    static func protocolName(_ type: String) -> String {
        protocols.first { $0.lowercased() == type.lowercased() } ?? (type.prefix(1).uppercased() + type.dropFirst().lowercased())
    }

    /// Whether a stored value is the searched one of this type (same normalised email or phone; same handle
    /// ignoring case and a leading "@").
    static func same(_ stored: String, _ searched: String, type: String) -> Bool {
        let type = type.lowercased()
        if type == "email" { return Identity.email(stored) != nil && Identity.email(stored) == Identity.email(searched) }
        if phoneTypes.contains(type) {
            return Identity.phone(stored) != nil && Identity.phone(stored) == Identity.phone(searched)
        }
        func bare(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: " \t").lowercased()
            return trimmed.hasPrefix("@") ? String(trimmed.dropFirst()) : trimmed
        }
        return bare(stored) == bare(searched)
    }
}
