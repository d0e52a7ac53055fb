/// Where a byte offset falls in a UTF-8 document, for syntax errors: `line` and `column` count from 1, and columns
/// count characters, not bytes (UTF-8 continuation bytes are skipped).
public struct TextPosition: Sendable, Equatable {
    public let line: Int
    public let column: Int

    public init<Bytes: Collection<UInt8>>(of offset: Int, in bytes: Bytes) {
        let before = bytes.prefix(offset)
        var line = 1
        var column = 1
        for byte in before {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.line = line
        self.column = column
    }
}
