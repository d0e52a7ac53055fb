/// Decodes the chunked transfer coding (RFC 9112 §7.1) incrementally, with trailers and a body limit.
///
/// ```
/// chunked-body = *chunk last-chunk trailer-section CRLF
/// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// chunk-size   = 1*HEXDIG
/// last-chunk   = 1*("0") [ chunk-ext ] CRLF
/// chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
/// ```
///
/// A byte-level state machine: it keeps no bytes of the size line, copies chunk data straight into the
/// body, and buffers only a trailer field line until it ends. It consumes every byte it is given until the
/// body is complete, so a caller never needs to hand the same bytes back; after that it consumes nothing more
/// (what follows belongs to the next request). Extensions are validated and ignored.
public struct ChunkedDecoder: Sendable {
    /// The longest chunk-size line accepted, extensions included, CRLF excluded.
    public static let maxChunkLineLength = 1024

    enum State: Sendable, Equatable {
        case size, sizeWhitespace, sizeLF
        case extensionNameStart, extensionName, extensionAfterName, extensionValueStart, extensionToken
        case extensionQuoted, extensionQuotedEscape, extensionAfterQuote, extensionAfterValue
        case data, dataCR, dataLF
        case trailerLine, trailerLF
        case done

        var isExtension: Bool {
            switch self {
            case .extensionNameStart, .extensionName, .extensionAfterName, .extensionValueStart, .extensionToken,
                .extensionQuoted, .extensionQuotedEscape, .extensionAfterQuote, .extensionAfterValue:
                true
            default:
                false
            }
        }
    }

    /// The largest decoded body accepted (413 above it).
    public let maxBodySize: Int
    let limits: ParserLimits
    var state = State.size
    /// The chunk size being read, then the bytes of the current chunk still to come.
    var chunkSize = 0
    var sizeDigits = 0
    var lineLength = 0
    var bodySize = 0
    var trailerLine: [UInt8] = []
    var trailerBytes = 0

    /// True once the last chunk, the trailer section and the final CRLF have been read.
    public private(set) var isComplete = false
    /// The trailer fields, in order.
    public private(set) var trailers = HeaderFields()

    /// - Parameters:
    ///   - maxBodySize: The largest decoded body accepted; more is refused with 413.
    ///   - limits: `maxHeaderBytes` and `maxHeaderCount` bound the trailer section.
    public init(maxBodySize: Int, limits: ParserLimits = ParserLimits()) {
        self.maxBodySize = max(0, maxBodySize)
        self.limits = limits
    }

    /// Consumes as many bytes as it can, appending chunk data to `body`; returns the bytes consumed.
    ///
    /// Stateful across calls: a size line, chunk data or a trailer may be split anywhere.
    /// - Parameters:
    ///   - bytes: The next bytes of the body.
    ///   - body: The decoded body so far; chunk data is appended to it.
    /// - Returns: The bytes consumed: all of them, unless the body completes before their end.
    /// - Throws: ``ParseError`` at the first byte that breaks RFC 9112 §7.1, or when a limit is exceeded.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]) throws(ParseError) -> Int {
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .done:
                return index
            case .data:
                let take = min(chunkSize, count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                chunkSize -= take
                if chunkSize == 0 { state = .dataCR }
            default:
                let byte = bytes[index]
                index += 1
                try step(byte)
                if state == .done { return index }
            }
        }
        return index
    }

    /// One byte outside chunk data.
    private mutating func step(_ byte: UInt8) throws(ParseError) {
        switch state {
        case .size, .sizeWhitespace, .sizeLF:
            try sizeLine(byte)
        case .data, .done:
            preconditionFailure("handled by decode")
        case .dataCR:
            // "chunk-data CRLF": exactly CRLF after exactly chunk-size bytes.
            guard byte == ByteClass.cr else { throw .invalidChunkData }
            state = .dataLF
        case .dataLF:
            guard byte == ByteClass.lf else { throw .invalidChunkData }
            state = .size
        case .trailerLine, .trailerLF:
            try trailer(byte)
        default:
            try chunkExtension(byte)
        }
    }

    /// chunk-size, the whitespace that may precede a chunk-ext, and the CRLF ending the line.
    private mutating func sizeLine(_ byte: UInt8) throws(ParseError) {
        if state == .sizeLF {
            guard byte == ByteClass.lf else { throw .bareCR }
            try finishSizeLine()
            return
        }
        try countLineByte(byte)
        if byte == ByteClass.lf { throw .bareLF }
        if state == .sizeWhitespace {
            switch byte {
            case ByteClass.sp, ByteClass.htab: return
            case UInt8(ascii: ";"): state = .extensionNameStart
            default: throw .invalidChunkSize  // whitespace after the size must lead to ";"
            }
            return
        }
        if let digit = ByteClass.hexValue(byte) {
            guard chunkSize <= Int.max >> 4 else { throw .invalidChunkSize }
            chunkSize = chunkSize << 4 | digit
            sizeDigits += 1
            return
        }
        // No leading whitespace, no "0x", no sign: at least one HEXDIG before anything else.
        guard sizeDigits > 0 else { throw .invalidChunkSize }
        switch byte {
        case UInt8(ascii: ";"): state = .extensionNameStart
        case ByteClass.sp, ByteClass.htab: state = .sizeWhitespace
        case ByteClass.cr: state = .sizeLF
        default: throw .invalidChunkSize
        }
    }

    /// Bytes of the size line before its LF, CR included.
    private mutating func countLineByte(_ byte: UInt8) throws(ParseError) {
        lineLength += 1
        if lineLength > Self.maxChunkLineLength + 1 { throw .chunkLineTooLong }
    }

    private mutating func finishSizeLine() throws(ParseError) {
        lineLength = 0
        sizeDigits = 0
        if chunkSize == 0 {
            state = .trailerLine
            return
        }
        guard chunkSize <= maxBodySize - bodySize else { throw .bodyTooLarge }
        bodySize += chunkSize
        state = .data
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ),
    /// chunk-ext-val = token / quoted-string. BWS may precede ";" and "=", not the CRLF.
    private mutating func chunkExtension(_ byte: UInt8) throws(ParseError) {
        try countLineByte(byte)
        if byte == ByteClass.lf { throw .bareLF }
        let whitespace = ByteClass.isWhitespace(byte)
        switch state {
        case .extensionNameStart:
            if whitespace { return }
            guard ByteClass.isTChar(byte) else { throw .invalidChunkExtension }
            state = .extensionName
        case .extensionName, .extensionToken:
            if ByteClass.isTChar(byte) { return }
            switch byte {
            case UInt8(ascii: ";"): state = .extensionNameStart
            case UInt8(ascii: "=") where state == .extensionName: state = .extensionValueStart
            case ByteClass.cr: state = .sizeLF
            case _ where whitespace: state = state == .extensionName ? .extensionAfterName : .extensionAfterValue
            default: throw .invalidChunkExtension
            }
        case .extensionAfterName:
            if whitespace { return }
            switch byte {
            case UInt8(ascii: "="): state = .extensionValueStart
            case UInt8(ascii: ";"): state = .extensionNameStart
            default: throw .invalidChunkExtension
            }
        case .extensionValueStart:
            if whitespace { return }
            if byte == UInt8(ascii: "\"") {
                state = .extensionQuoted
            } else {
                guard ByteClass.isTChar(byte) else { throw .invalidChunkExtension }
                state = .extensionToken
            }
        case .extensionQuoted:
            // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4)
            switch byte {
            case UInt8(ascii: "\""): state = .extensionAfterQuote
            case UInt8(ascii: "\\"): state = .extensionQuotedEscape
            default: guard ByteClass.isFieldValue(byte) else { throw .invalidChunkExtension }
            }
        case .extensionQuotedEscape:
            // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
            guard ByteClass.isFieldValue(byte) else { throw .invalidChunkExtension }
            state = .extensionQuoted
        case .extensionAfterQuote:
            switch byte {
            case UInt8(ascii: ";"): state = .extensionNameStart
            case ByteClass.cr: state = .sizeLF
            case _ where whitespace: state = .extensionAfterValue
            default: throw .invalidChunkExtension
            }
        case .extensionAfterValue:
            if whitespace { return }
            guard byte == UInt8(ascii: ";") else { throw .invalidChunkExtension }
            state = .extensionNameStart
        default:
            preconditionFailure("not an extension state")
        }
    }

    /// trailer-section = *( field-line CRLF ), then CRLF; bounded like the header section.
    private mutating func trailer(_ byte: UInt8) throws(ParseError) {
        trailerBytes += 1
        if trailerBytes > limits.maxHeaderBytes { throw .headerTooLarge }
        if state == .trailerLF {
            guard byte == ByteClass.lf else { throw .bareCR }
            try finishTrailerLine()
            return
        }
        switch byte {
        case ByteClass.cr: state = .trailerLF
        case ByteClass.lf: throw .bareLF
        default: trailerLine.append(byte)
        }
    }

    private mutating func finishTrailerLine() throws(ParseError) {
        if trailerLine.isEmpty {
            state = .done
            isComplete = true
            return
        }
        guard trailers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
        let field = trailerLine.withUnsafeBytes { line -> (String, String)? in
            guard let (name, value) = Self.fieldLine(line) else { return nil }
            return (ByteClass.string(line, name), ByteClass.string(line, value))
        }
        guard let (name, value) = field else { throw .invalidTrailer }
        trailers.add(name, value)
        trailerLine.removeAll(keepingCapacity: true)
        state = .trailerLine
    }

    /// field-name ":" OWS field-value OWS, without its CRLF (RFC 9112 §5): the name and the trimmed value.
    /// Refuses what the head parser refuses: obs-fold, whitespace before the colon, control bytes.
    static func fieldLine(_ line: UnsafeRawBufferPointer) -> (Range<Int>, Range<Int>)? {
        var index = 0
        while index < line.count && ByteClass.isTChar(line[index]) { index += 1 }
        guard index > 0, index < line.count, line[index] == UInt8(ascii: ":") else { return nil }
        let name = 0..<index
        index += 1
        while index < line.count && ByteClass.isWhitespace(line[index]) { index += 1 }
        let valueStart = index
        while index < line.count {
            guard ByteClass.isFieldValue(line[index]) else { return nil }
            index += 1
        }
        var valueEnd = index
        while valueEnd > valueStart && ByteClass.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        return (name, valueStart..<valueEnd)
    }
}
