import CRM
import JSON

/// Reads a settings object field by field, collecting every problem with the field's name, so the admin API
/// answers one 422 listing them all. The worker reads stored settings with the same code.
struct SettingsReader {
    let object: JSONObject
    var errors: [FieldError] = []

    init(_ object: JSONObject, allowed: Set<String>) {
        self.object = object
        for key in object.keys where !allowed.contains(key) { errors.append(FieldError(key, "is not a known field")) }
    }

    mutating func string(_ key: String, required: Bool = false, maxLength: Int = 500) -> String? {
        guard let value = object[key], !value.isNull else {
            if required { errors.append(FieldError(key, "is required")) }
            return nil
        }
        guard let text = value.stringValue else {
            errors.append(FieldError(key, "must be a string, not \(value.typeName)"))
            return nil
        }
        if text.isEmpty {
            if required { errors.append(FieldError(key, "must not be empty")) }
            return nil
        }
        if text.count > maxLength {
            errors.append(FieldError(key, "must be at most \(maxLength) characters"))
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) {
            errors.append(FieldError(key, "must not contain control characters (line breaks)"))
            return nil
        }
        return text
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            errors.append(FieldError(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
            return nil
        }
        return number
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            errors.append(FieldError(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        return value
    }

    mutating func email(_ key: String, required: Bool = false) -> String? {
        guard let text = string(key, required: required, maxLength: 254) else { return nil }
        guard Self.isEmailAddress(text) else {
            errors.append(FieldError(key, "is not an email address"))
            return nil
        }
        return text
    }

    /// local@domain with no spaces, angle brackets or quotes (the address goes into SMTP commands and headers).
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else {
            return false
        }
        return !text.contains { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "," || $0.isNewline }
    }
}
