/// Normalised identities used to find duplicates and to match customers (crm-listener-webhook.txt: passport,
/// phones, emails). Unique constraints are built on these forms, so two spellings of one number collide.
public enum Identity {
    /// Lower-cased, trimmed; nil when it is not an email address.
    public static func email(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: " \t\r\n").lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !trimmed.contains(where: { $0 == " " || $0 == "," || $0 == ";" })
        else { return nil }
        return trimmed
    }

    /// Digits with an optional leading "+": spaces, dots, hyphens, slashes and parentheses removed, "00" read as
    /// "+". A national number ("0905 000 001") gets the default country code when one is given ("+84905000001"),
    /// so that it matches the international spelling. Nil when fewer than 6 or more than 15 digits remain, or
    /// when a letter or other character is present.
    public static func phone(_ raw: String, defaultCountryCode: String? = nil) -> String? {
        var text = raw.trimmingCharacters(in: " \t\r\n")
        var international = false
        if text.hasPrefix("+") {
            international = true
            text.removeFirst()
        } else if text.hasPrefix("00") {
            international = true
            text.removeFirst(2)
        }
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !" .-/()\t".contains(character) {
                return nil
            }
        }
        guard (6...15).contains(digits.count) else { return nil }
        if international { return "+" + digits }
        if let code = defaultCountryCode, digits.hasPrefix("0"), !digits.hasPrefix("00") {
            return "+" + code + digits.dropFirst()
        }
        return digits
    }

    /// Passports compare without spaces or hyphens and without case.
    public static func passport(_ raw: String) -> String? {
        let compact = raw.filter { !" -\t".contains($0) }.uppercased()
        guard !compact.isEmpty, compact.count <= 64, compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        return compact
    }
}

extension Identity {
    /// Why a value is not an identity, for the sender.
    public struct Problem: Error, Sendable {
        public let message: String

        public init(message: String) { self.message = message }
    }

    /// The normalised email, phone or passport that finds a customer, or why the value is not one.
    public static func emailKey(_ value: String) -> Result<String, Problem> {
        email(value).map { .success($0) } ?? .failure(Problem(message: "'\(value)' is not an email address"))
    }

    public static func phoneKey(_ value: String) -> Result<String, Problem> {
        phone(value).map { .success($0) } ?? .failure(Problem(message: "'\(value)' is not a phone number (6 to 15 digits)"))
    }

    public static func passportKey(_ value: String) -> Result<String, Problem> {
        passport(value).map { .success($0) }
            ?? .failure(Problem(message: "'\(value)' is not a passport number (letters and digits)"))
    }
}
