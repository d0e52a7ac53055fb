extension StringProtocol {
    /// The text without the given characters at either end ("trim"), without Foundation.
    public func trimmingCharacters(in set: String) -> String {
        // By scalar: in a Swift string "\r\n" is one Character, so a lone "\n" would not match it as a Character.
        func trimmed(_ character: Character) -> Bool { character.unicodeScalars.allSatisfy(set.unicodeScalars.contains) }
        var slice = Substring(self)
        while let first = slice.first, trimmed(first) { slice.removeFirst() }
        while let last = slice.last, trimmed(last) { slice.removeLast() }
        return String(slice)
    }
}
