/// Decodes the chunked transfer coding (RFC 9112 §7.1) incrementally, with trailers and a body limit.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailerLine
        case done
    }

    public let maxBodySize: Int
    let limits: ParserLimits
    var state = State.sizeLine
    /// A line (size line or trailer field) that has not fully arrived yet.
    var line: [UInt8] = []
    var bodySize = 0
    var trailerBytes = 0

    public private(set) var isComplete = false
    public private(set) var trailers = HeaderFields()

    static let maxSizeLine = 1024

    public init(maxBodySize: Int, limits: ParserLimits = ParserLimits()) {
        self.maxBodySize = maxBodySize
        self.limits = limits
    }

    /// Consumes as many bytes as it can, appending chunk data to `body`; returns the bytes consumed.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]) throws(ParseError) -> Int {
        var index = 0
        while index < bytes.count {
            switch state {
            case .done:
                return index
            case .sizeLine, .trailerLine:
                // Accumulate up to and including LF.
                let byte = bytes[index]
                index += 1
                if byte == 0x0A {
                    guard line.last == 0x0D else { throw isSizeLine ? .invalidChunkSize : .invalidTrailer }
                    line.removeLast()
                    try finishLine()
                    line.removeAll(keepingCapacity: true)
                    if case .done = state { return index }
                } else {
                    if line.last == 0x0D { throw isSizeLine ? .invalidChunkSize : .invalidTrailer }
                    line.append(byte)
                    if isSizeLine && line.count > Self.maxSizeLine { throw .invalidChunkExtension }
                    if !isSizeLine {
                        trailerBytes += 1
                        if trailerBytes > limits.maxHeaderBytes { throw .headerTooLarge }
                    }
                }
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                state = remaining - take == 0 ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                // Exactly CRLF after the chunk data.
                let byte = bytes[index]
                if line.isEmpty {
                    guard byte == 0x0D else { throw .invalidChunkData }
                    line.append(byte)
                } else {
                    guard byte == 0x0A else { throw .invalidChunkData }
                    line.removeAll(keepingCapacity: true)
                    state = .sizeLine
                }
                index += 1
            }
        }
        return index
    }

    private var isSizeLine: Bool {
        if case .sizeLine = state { return true }
        return false
    }

    private mutating func finishLine() throws(ParseError) {
        if case .trailerLine = state {
            if line.isEmpty {
                state = .done
                isComplete = true
                return
            }
            try parseTrailer()
            return
        }
        // chunk-size [ chunk-ext ]
        var size = 0
        var index = 0
        while index < line.count, let digit = Self.hexValue(line[index]) {
            guard size <= (Int.max - 15) / 16 else { throw .invalidChunkSize }
            size = size * 16 + Int(digit)
            index += 1
        }
        guard index > 0, index <= 16 else { throw .invalidChunkSize }
        if index < line.count {
            // Only chunk extensions (after optional whitespace) may follow the size: "0x3" is not a size.
            guard line[index] == UInt8(ascii: ";") || line[index] == 0x20 || line[index] == 0x09 else {
                throw .invalidChunkSize
            }
            try Self.validateExtensions(line[index...])
        }
        if size == 0 {
            state = .trailerLine
            return
        }
        guard bodySize + size <= maxBodySize else { throw .bodyTooLarge }
        bodySize += size
        state = .data(remaining: size)
    }

    private mutating func parseTrailer() throws(ParseError) {
        guard trailers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
        var bytes = line
        bytes.append(contentsOf: [0x0D, 0x0A])
        let limits = self.limits
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(ParseError) in
                var cursor = RequestHeadParser.Cursor(bytes: raw, limits: limits)
                return try cursor.fieldLine()
            }
        }
        guard case .success(.field(let name, let value)) = parsed else { throw .invalidTrailer }
        trailers.add(name, value)
    }

    /// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string.
    static func validateExtensions(_ bytes: ArraySlice<UInt8>) throws(ParseError) {
        var index = bytes.startIndex
        func skipWhitespace() {
            while index < bytes.endIndex, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }
        while index < bytes.endIndex {
            skipWhitespace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ";") else { throw .invalidChunkExtension }
            index += 1
            skipWhitespace()
            let nameStart = index
            while index < bytes.endIndex, ByteClass.isTChar(bytes[index]) { index += 1 }
            guard index > nameStart else { throw .invalidChunkExtension }
            skipWhitespace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skipWhitespace()
            guard index < bytes.endIndex else { throw .invalidChunkExtension }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.endIndex {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\\") {
                        guard index < bytes.endIndex, ByteClass.isFieldValueByte(bytes[index]) else { throw .invalidChunkExtension }
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else if !ByteClass.isFieldValueByte(byte) {
                        throw .invalidChunkExtension
                    }
                }
                guard closed else { throw .invalidChunkExtension }
            } else {
                let valueStart = index
                while index < bytes.endIndex, ByteClass.isTChar(bytes[index]) { index += 1 }
                guard index > valueStart else { throw .invalidChunkExtension }
            }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
