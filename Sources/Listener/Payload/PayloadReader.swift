import CRM
import JSON

/// Every problem found in one item, so a sender learns all of them from one response.
final class FieldErrors {
    private(set) var list: [FieldError] = []
    func add(_ field: String, _ message: String) { list.append(FieldError(field, message)) }
    var isEmpty: Bool { list.isEmpty }
}

/// An item failed before anything was written; the fields say why.
struct ActionFailure: Error {
    let errors: [FieldError]
    init(_ errors: [FieldError]) { self.errors = errors }
    init(_ field: String, _ message: String) { errors = [FieldError(field, message)] }
}

/// An item would store a person whose email, phone or passport was erased and is suppressed (`Suppressions`):
/// nothing of it is written and its outcome is `suppressed`.
struct SuppressedIdentity: Error {
    let field: String
    let kind: String
    /// The item's identities as sent and as compared, which the request log must not keep.
    let spellings: [String]

    init(field: String, kind: String, fields: CustomerFields) {
        self.field = field
        self.kind = kind
        spellings = Suppressions.spellings(fields)
    }

    var error: FieldError {
        FieldError(
            field,
            "this person was erased and their \(kind) is suppressed: nothing was stored (an admin can lift the suppression)")
    }
}

/// An item failed after it had written something: the ingestion undoes the item (and only it) before
/// reporting these errors.
struct LateActionFailure: Error {
    let errors: [FieldError]
    init(_ errors: [FieldError]) { self.errors = errors }
    init(_ field: String, _ message: String) { errors = [FieldError(field, message)] }
}

/// Reads one object of a listener payload the way real senders fill it: "" and null mean "not sent", numbers
/// may arrive as strings and strings as numbers. Problems are collected with the full path of the field
/// ("data[0].data.emails[1].value").
struct PayloadReader {
    let object: JSONObject
    let path: String
    let errors: FieldErrors

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present with something other than null or "".
    func has(_ key: String) -> Bool { Self.isPresent(object[key]) }

    static func isPresent(_ value: JSONValue?) -> Bool {
        guard let value, !value.isNull else { return false }
        if let text = value.stringValue { return !text.trimmingCharacters(in: " \t\r\n").isEmpty }
        return true
    }

    /// A string (trimmed) or a number written as text.
    func text(_ key: String, max: Int = 500) -> String? {
        guard let value = object[key], Self.isPresent(value) else { return nil }
        return Self.text(value, field: field(key), max: max, errors: errors)
    }

    static func text(_ value: JSONValue, field: String, max: Int, errors: FieldErrors) -> String? {
        let text: String
        if let string = value.stringValue {
            text = string.trimmingCharacters(in: " \t\r\n")
        } else if let number = value.doubleValue {
            text = JSONWriter.format(number)
        } else {
            errors.add(field, "must be a string, not \(value.typeName)")
            return nil
        }
        guard text.unicodeScalars.count <= max else {  // code points, as the columns' length() checks count
            errors.add(field, "is longer than \(max) characters")
            return nil
        }
        return text
    }

    func requiredText(_ key: String, max: Int = 500, because reason: String = "is required") -> String? {
        guard has(key) else {
            errors.add(field(key), reason)
            return nil
        }
        return text(key, max: max)
    }

    /// A number or numeric string within `allowed`, or one of `names` (any case).
    func integer(_ key: String, allowed: ClosedRange<Int>, names: [String: Int] = [:], meaning: String) -> Int? {
        guard let value = object[key], Self.isPresent(value) else { return nil }
        if let number = LenientValue.integer(value, allowed: allowed) { return number }
        if let name = value.stringValue?.trimmingCharacters(in: " ").lowercased(), let number = names[name] { return number }
        errors.add(field(key), "must be \(meaning)")
        return nil
    }

    func object(_ key: String) -> PayloadReader? {
        guard let value = object[key], Self.isPresent(value) else { return nil }
        guard let nested = value.objectValue else {
            errors.add(field(key), "must be an object, not \(value.typeName)")
            return nil
        }
        return PayloadReader(object: nested, path: field(key), errors: errors)
    }

    /// The elements of an array with their paths; nil when absent.
    func array(_ key: String) -> [(value: JSONValue, path: String)]? {
        guard let value = object[key], !value.isNull else { return nil }
        if value.stringValue?.trimmingCharacters(in: " ").isEmpty == true { return nil }
        guard let list = value.arrayValue else {
            errors.add(field(key), "must be an array, not \(value.typeName)")
            return nil
        }
        return list.enumerated().map { (value: $1, path: "\(field(key))[\($0)]") }
    }

    /// One of `choices` (any case), spelled as in `choices`; `fallback` when absent.
    func choice(_ key: String, _ choices: [String], fallback: String) -> String {
        guard let value = text(key, max: 100) else { return fallback }
        if let match = choices.first(where: { $0.lowercased() == value.lowercased() }) { return match }
        errors.add(field(key), "'\(value)' is not one of \(choices.joined(separator: ", "))")
        return fallback
    }
}
