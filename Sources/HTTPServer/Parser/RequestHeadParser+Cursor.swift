extension RequestHeadParser {
    /// Walks the buffer line by line. Every "ran out of bytes" point checks the size limits first, so a
    /// head that never ends is refused once it is too large.
    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        let limits: ParserLimits
        var index = 0

        init(bytes: UnsafeRawBufferPointer, limits: ParserLimits) {
            self.bytes = bytes
            self.limits = limits
        }

        enum FieldLine {
            case field(String, String)
            case end
            case needMore
        }

        private func outOfBytes() throws(ParseError) {
            if bytes.count > limits.maxHeaderBytes { throw .headerTooLarge }
        }

        private func string(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }

        /// Consumes CRLF at `index`; nil when the bytes are not there yet.
        private mutating func lineEnd() throws(ParseError) -> Bool? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case 0x0D:
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == 0x0A else { throw .bareCR }
                index += 2
                return true
            case 0x0A:
                throw .bareLF
            default:
                return false
            }
        }

        /// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
        mutating func requestLine() throws(ParseError) -> RequestLine? {
            // RFC 9112 §2.2: ignore at least one empty line (CRLF) received before the request-line.
            var skipped = 0
            while index < bytes.count, bytes[index] == 0x0D || bytes[index] == 0x0A {
                guard skipped < 2 else { throw .invalidRequestLine }
                guard let crlf = try lineEnd() else { return nil }
                if !crlf { break }
                skipped += 1
            }
            let methodStart = index
            while index < bytes.count, ByteClass.isTChar(bytes[index]) { index += 1 }
            guard index < bytes.count else {
                try outOfBytes()
                if index - methodStart > 32 { throw .invalidMethod }
                return nil
            }
            guard bytes[index] == 0x20 else {
                if bytes[index] == 0x0D || bytes[index] == 0x0A { throw .invalidRequestLine }
                throw .invalidMethod
            }
            guard index > methodStart else { throw .invalidMethod }
            let method = HTTPMethod(string(methodStart, index))
            index += 1

            let targetStart = index
            while index < bytes.count, bytes[index] != 0x20 {
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A { throw .invalidRequestLine }
                guard ByteClass.isTargetByte(byte) else { throw .invalidTarget }
                index += 1
                if index - targetStart > limits.maxTargetLength { throw .uriTooLong }
            }
            guard index < bytes.count else {
                try outOfBytes()
                return nil
            }
            guard index > targetStart else { throw .invalidTarget }
            let target = string(targetStart, index)
            index += 1

            // HTTP-version = "HTTP/" DIGIT "." DIGIT, checked byte by byte as it arrives.
            let versionStart = index
            let shape: [UInt8] = Array("HTTP/0.0".utf8)
            for offset in 0..<8 {
                guard versionStart + offset < bytes.count else {
                    try outOfBytes()
                    return nil
                }
                let byte = bytes[versionStart + offset]
                let expected = shape[offset]
                if expected == UInt8(ascii: "0") {
                    guard byte >= 0x30 && byte <= 0x39 else { throw .invalidVersion }
                } else if byte != expected {
                    if byte == 0x0A || byte == 0x0D { throw offset == 0 ? .invalidRequestLine : .invalidVersion }
                    throw .invalidVersion
                }
            }
            index = versionStart + 8
            guard let crlf = try lineEnd() else {
                try outOfBytes()
                return nil
            }
            guard crlf else { throw .invalidVersion }
            let major = Int(bytes[versionStart + 5] - 0x30)
            let minor = Int(bytes[versionStart + 7] - 0x30)
            guard major == 1, minor <= 1 else { throw .unsupportedVersion }
            return RequestLine(method: method, target: target, version: HTTPVersion(major: 1, minor: minor))
        }

        /// field-line = field-name ":" OWS field-value OWS CRLF, or the empty line ending the head (RFC 9112 §5).
        mutating func fieldLine() throws(ParseError) -> FieldLine {
            guard index < bytes.count else {
                try outOfBytes()
                return .needMore
            }
            switch bytes[index] {
            case 0x0D, 0x0A:
                guard let crlf = try lineEnd() else {
                    try outOfBytes()
                    return .needMore
                }
                precondition(crlf)
                return .end
            case 0x20, 0x09:
                throw .obsFold
            default:
                break
            }
            let nameStart = index
            while index < bytes.count, ByteClass.isTChar(bytes[index]) { index += 1 }
            guard index < bytes.count else {
                try outOfBytes()
                return .needMore
            }
            switch bytes[index] {
            case UInt8(ascii: ":"):
                guard index > nameStart else { throw .invalidFieldName }
            case 0x20, 0x09:
                throw .whitespaceBeforeColon
            case 0x0D:
                throw index + 1 < bytes.count && bytes[index + 1] != 0x0A ? .bareCR : .invalidFieldName
            case 0x0A:
                throw .bareLF
            default:
                throw .invalidFieldName
            }
            let nameEnd = index
            index += 1
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            let valueStart = index
            var valueEnd = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A { break }
                guard ByteClass.isFieldValueByte(byte) else { throw .invalidFieldValue }
                index += 1
                if byte != 0x20 && byte != 0x09 { valueEnd = index }
            }
            guard let crlf = try lineEnd() else {
                try outOfBytes()
                return .needMore
            }
            precondition(crlf)
            return .field(string(nameStart, nameEnd), string(valueStart, valueEnd))
        }
    }
}
