extension HeadScanner {
    /// *( field-line CRLF ) CRLF, where field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    mutating func fieldLines<Sink: HeadSink>(into sink: inout Sink) throws(Stop) {
        var count = 0
        while true {
            var position = index
            var current = try byte(position)
            switch current {
            case ByteClass.cr:
                // The empty line that ends the head.
                try expectLF(afterCR: position)
                index = position + 2
                return
            case ByteClass.lf:
                throw .invalid(.bareLF)
            case ByteClass.sp, ByteClass.htab:
                // §5.2: obs-fold is refused (a server MAY reject it with 400); so is whitespace before the
                // first field line (§2.2).
                throw .invalid(.obsFold)
            default:
                break
            }
            guard count < limits.maxHeaderCount else { throw .invalid(.tooManyHeaders) }

            // field-name = token
            let nameStart = position
            while position < end && ByteClass.isTChar(bytes[position]) { position += 1 }
            current = try byte(position)
            switch current {
            case UInt8(ascii: ":") where position > nameStart:
                break
            case ByteClass.sp, ByteClass.htab:
                // §5.1: "A server MUST reject, with a response status code of 400 (Bad Request), any received
                // request message that contains whitespace between a header field name and colon."
                throw .invalid(.whitespaceBeforeColon)
            case ByteClass.lf:
                throw .invalid(.bareLF)
            case ByteClass.cr:
                try expectLF(afterCR: position)
                throw .invalid(.invalidFieldName)  // a line without a colon
            default:
                throw .invalid(.invalidFieldName)
            }
            let name = nameStart..<position
            position += 1

            // OWS field-value OWS; field-value bytes are HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
            current = try byte(position)
            while ByteClass.isWhitespace(current) {
                position += 1
                current = try byte(position)
            }
            let valueStart = position
            while true {
                // The common bytes (SP, VCHAR, obs-text) in a tight loop; the rest decided one by one.
                position = ByteClass.firstControl(bytes, from: position, to: end)
                current = try byte(position)
                if current == ByteClass.htab {
                    position += 1
                    continue
                }
                if current == ByteClass.cr {
                    try expectLF(afterCR: position)
                    break
                }
                if current == ByteClass.lf { throw .invalid(.bareLF) }
                throw .invalid(.invalidFieldValue)
            }
            var valueEnd = position
            while valueEnd > valueStart && ByteClass.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }

            sink.field(name: name, value: valueStart..<valueEnd, bytes)
            count += 1
            index = position + 2
        }
    }
}
