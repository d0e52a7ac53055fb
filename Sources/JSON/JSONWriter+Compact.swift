extension JSONWriter {
    /// Appends JSON text without its insignificant whitespace (RFC 8259 §2: space, tab, CR and LF between tokens),
    /// so that JSON stored elsewhere (PostgreSQL writes jsonb as `{"a": 1, "b": [1, 2]}`) reads like the JSON this
    /// writer makes. One pass over the bytes, no parse; strings are copied as they are.
    public static func appendCompact(_ json: String, into out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.utf8.count)
        var source = json
        source.withUTF8 { appendCompact($0, into: &bytes) }
        out.append(String(decoding: bytes, as: UTF8.self))
    }

    /// The same on bytes, into bytes: the runs between dropped whitespace are copied whole (the contact export).
    public static func appendCompact(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var inString = false, escaped = false
        var copied = 0
        for index in bytes.indices {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                copied = index + 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<bytes.count]))
    }
}
