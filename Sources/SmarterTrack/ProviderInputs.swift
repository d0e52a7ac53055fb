/// The `inputs` of a provider call: "variable=value" strings (split at the first '='). Variable names compare
/// without case: the document writes both `AuthPW` and `authPW`.
struct ProviderInputs: Sendable, Equatable {
    let pairs: [(name: String, value: String)]

    init(strings: [String]) {
        pairs = strings.map { text in
            guard let equals = text.firstIndex(of: "=") else { return (text, "") }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
    }

    static func == (lhs: ProviderInputs, rhs: ProviderInputs) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The value of a variable, nil when absent; surrounding whitespace is trimmed, an empty value counts as absent.
    subscript(_ name: String) -> String? {
        let wanted = name.lowercased()
        guard let value = pairs.first(where: { $0.name.lowercased() == wanted })?.value.trimmingCharacters(in: " \t\r\n"),
            !value.isEmpty
        else { return nil }
        return value
    }

    /// Variables whose names start with `prefix` (any case), with the prefix removed: `cf_` custom fields, `Args_`
    /// event arguments.
    func prefixed(_ prefix: String) -> [(name: String, value: String)] {
        let wanted = prefix.lowercased()
        return pairs.compactMap { pair in
            guard pair.name.lowercased().hasPrefix(wanted), pair.name.count > prefix.count else { return nil }
            return (String(pair.name.dropFirst(prefix.count)), pair.value)
        }
    }
}
