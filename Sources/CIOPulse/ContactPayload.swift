import CRM
import JSON

/// The JSON payload of `PUT /api/v5/contacts/{system_id}` (ciopulse-contacts-api.txt, "Adding or Updating
/// Contacts"): one Contact, as an object whose fields are first_name, last_name, email, job_title and mobile. A
/// field set to a value changes it, `null` removes the value, an omitted field stays as it is.
///
/// Where the document is silent: first_name, last_name and email are mandatory, so they cannot be removed
/// (`null` or "" is a 400 for them); job_title and mobile can. Any valid JSON is accepted, escapes included
/// (the document warns that backslashes break the original service; here `\\` and `\u00e9` are ordinary JSON).
enum ContactPayload {
    static let fields = ["first_name", "last_name", "email", "job_title", "mobile"]
    static let mandatory = ["first_name", "last_name", "email"]
    /// customers.name/lastname/title hold at most 500 characters; an address at most 254 (RFC 5321 path limit).
    static let maxLength = ["first_name": 500, "last_name": 500, "job_title": 500, "email": 254]

    /// The changes a body asks for, or the 400 that names everything wrong with it.
    static func parse(_ body: [UInt8]) -> Result<CIOPulseContact.Changes, CIOPulseError> {
        guard body.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            return .failure(CIOPulseError(400, "The JSON payload is missing: send the Contact's fields as a JSON object"))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            // `{…}{…}` or `{…},{…}`: a second contact after the first.
            if error.reason == "unexpected data after the JSON value", error.offset < body.count,
                body[error.offset] == UInt8(ascii: "{") || body[error.offset] == UInt8(ascii: ",")
            {
                return .failure(singleContact)
            }
            return .failure(CIOPulseError(400, "The JSON payload is malformed: \(error.description)"))
        }
        guard let object = value.objectValue else {
            return .failure(
                value.arrayValue != nil
                    ? singleContact
                    : CIOPulseError(
                        400, "The JSON payload must be a JSON object holding the Contact's fields, not \(value.typeName)"))
        }
        var changes = CIOPulseContact.Changes()
        var problems: [String] = []
        for (key, _) in object.members where !fields.contains(key) {
            problems.append("Unknown field '\(key)': the fields allowed are first_name, last_name, email, job_title and mobile")
        }
        for field in fields {
            guard let member = object[field] else { continue }
            switch read(field, member) {
            case .value(let text): set(field, text, in: &changes)
            case .problem(let problem): problems.append(problem)
            }
        }
        if !problems.isEmpty { return .failure(CIOPulseError(400, problems.joined(separator: "; "))) }
        return .success(changes)
    }

    /// The 400 for a new contact without its mandatory fields, naming them.
    static func missingForCreate(_ changes: CIOPulseContact.Changes) -> CIOPulseError? {
        var missing: [String] = []
        if changes.firstName == nil { missing.append("first_name") }
        if changes.lastName == nil { missing.append("last_name") }
        if changes.email == nil { missing.append("email") }
        guard !missing.isEmpty else { return nil }
        return CIOPulseError(400, missing.map { "\($0) is mandatory when adding a new Contact" }.joined(separator: "; "))
    }

    static let singleContact = CIOPulseError(400, "The JSON payload may only contain information for a single Contact")

    enum FieldValue: Equatable {
        /// nil for null.
        case value(String?)
        case problem(String)
    }

    /// One field's value, or what is wrong with it.
    static func read(_ field: String, _ value: JSONValue) -> FieldValue {
        if value.isNull {
            return mandatory.contains(field) ? .problem("\(field) is mandatory and cannot be null") : .value(nil)
        }
        guard let text = value.stringValue else { return .problem("\(field) must be a string or null, not \(value.typeName)") }
        if text.isEmpty && mandatory.contains(field) { return .problem("\(field) cannot be empty") }
        if text.utf8.contains(0) { return .problem("\(field) cannot contain the NUL character (\\u0000)") }
        if let limit = maxLength[field], text.unicodeScalars.count > limit {  // code points, as length() counts
            return .problem("\(field) is longer than \(limit) characters")
        }
        switch field {
        case "email" where !EmailAddress.isValid(text):
            return .problem("email is not a valid email address")
        case "mobile" where !CallingCode.isInternationalNumber(text):
            return .problem(
                "mobile must start with \"+\" followed by the country code and the phone number with its leading zero "
                    + "removed, digits only, no spaces or hyphens (e.g. +61411112233)")
        default:
            return .value(text)
        }
    }

    static func set(_ field: String, _ value: String?, in changes: inout CIOPulseContact.Changes) {
        switch field {
        case "first_name": changes.firstName = .some(value)
        case "last_name": changes.lastName = .some(value)
        case "email": changes.email = .some(value)
        case "job_title": changes.jobTitle = .some(value)
        default: changes.mobile = .some(value)
        }
    }

    /// The contact a create makes from complete changes.
    static func newContact(systemID: String, _ changes: CIOPulseContact.Changes) -> CIOPulseContact {
        CIOPulseContact(
            systemID: systemID, firstName: (changes.firstName ?? nil) ?? "", lastName: changes.lastName ?? nil,
            jobTitle: changes.jobTitle ?? nil, email: changes.email ?? nil, mobile: changes.mobile ?? nil)
    }
}

/// "It must be a valid email address": one `@`; a local part of 1–64 bytes of letters, digits, the RFC 5322
/// atext symbols and single inner dots; a domain of two or more labels of letters, digits and inner hyphens (1–63
/// bytes each); at most 254 bytes. Non-ASCII letters are allowed on both sides (RFC 6531). Quoted local parts and
/// address literals are not accepted.
enum EmailAddress {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes.lastIndex(of: UInt8(ascii: "@")) == at
        else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            !containsDoubleDot(local), local.allSatisfy(isLocalByte)
        else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 >= 0x80 })
            else { return false }
        }
        // A top-level domain is never all digits ("a@1.2" is not a host name).
        return !labels.last!.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func containsDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isLocalByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte >= 0x80 || "!#$%&'*+/=?^_`{|}~-.".utf8.contains(byte)
    }
}
