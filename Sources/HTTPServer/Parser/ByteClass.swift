/// Byte classes of RFC 9110 §5.6 and RFC 3986 §2, as 128-bit masks: one shift and one AND per byte, no table
/// behind a lazy global.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    /// (RFC 9110 §5.6.2). Bits 0–63 and 64–127 of the set.
    static let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
    static let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// reg-name bytes: unreserved / "%" / sub-delims (RFC 3986 §3.2.2).
    static let regNameLow: UInt64 = 0x2BFF_7FF2_0000_0000
    static let regNameHigh: UInt64 = 0x47FF_FFFE_87FF_FFFE

    @inline(__always)
    static func inSet(_ byte: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        if byte < 64 { return (low >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (high >> UInt64(byte &- 64)) & 1 == 1 }
        return false
    }

    @inline(__always) static func isTChar(_ byte: UInt8) -> Bool { inSet(byte, tcharLow, tcharHigh) }

    @inline(__always) static func isRegName(_ byte: UInt8) -> Bool { inSet(byte, regNameLow, regNameHigh) }

    /// field-vchar / SP / HTAB, with obs-text (0x80–0xFF) allowed (RFC 9110 §5.5).
    @inline(__always) static func isFieldValue(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte != 0x7F) || byte == htab
    }

    /// A request-target byte: visible ASCII; no CTL, SP, DEL or non-ASCII (RFC 9112 §3.2).
    @inline(__always) static func isTarget(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool { byte == sp || byte == htab }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// The value of a HEXDIG, or nil.
    @inline(__always) static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte &- 0x30)
        case 0x41...0x46: Int(byte &- 0x41 &+ 10)
        case 0x61...0x66: Int(byte &- 0x61 &+ 10)
        default: nil
        }
    }
}

extension ByteClass {
    /// ASCII case-insensitive comparison of `bytes[range]` with a lower-case literal made of letters, digits
    /// and "-". Folding with `| 0x20` is exact here: the only other bytes it could map onto such a literal
    /// are control bytes, which the parser has already refused.
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        var offset = 0
        for index in range {
            guard bytes[index] | 0x20 == expected[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Calls `body` with each element of the comma-separated list in `range`, trimmed of OWS; empty
    /// elements are skipped (RFC 9110 §5.6.1).
    @inline(__always)
    static func forEachListElement(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void
    ) {
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start
            while end < range.upperBound && bytes[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last && isWhitespace(bytes[first]) { first += 1 }
            while last > first && isWhitespace(bytes[last - 1]) { last -= 1 }
            if first < last { body(first..<last) }
            start = end + 1
        }
    }

    /// A String of the bytes in `range` (invalid UTF-8, possible only in obs-text, becomes U+FFFD).
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

extension ByteClass {
    /// Whether `bytes[range]` is exactly the literal (case-sensitive).
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        var offset = 0
        for index in range {
            guard bytes[index] == expected[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Index of the first byte in `start..<end` that is not SP, VCHAR or obs-text (a CTL or DEL), or `end`.
    /// Eight bytes per step: a word has a byte below 0x20 iff `(w - 0x20…) & ~w & 0x80…` is non-zero, and
    /// a DEL iff the same test for zero holds on `w ^ 0x7F…` (exact for "any", which is all we ask).
    @inline(__always)
    static func firstControl(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        while index &+ 8 <= end {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let below = (word &- 0x2020_2020_2020_2020) & ~word
            let flipped = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let del = (flipped &- 0x0101_0101_0101_0101) & ~flipped
            if (below | del) & 0x8080_8080_8080_8080 != 0 { break }
            index &+= 8
        }
        while index < end {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return index }
            index &+= 1
        }
        return end
    }
}
