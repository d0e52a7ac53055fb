#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The outcome of ``RequestHeadParser/parse(_:limits:)``.
public enum HeadParseResult: Sendable, Equatable {
    /// The bytes so far are a valid beginning of a head; call again with more.
    case needMore
    /// A complete head; `consumed` counts its bytes from the start of the buffer, leading empty lines and
    /// the final CRLF CRLF included. Bytes after it (a body, or a pipelined request) are not looked at.
    case complete(RequestHead, consumed: Int)
}

/// The strict HTTP/1.1 request-head parser (RFC 9112 §2–§7, RFC 9110 §5, §10.1.1).
///
/// Stateless, in the manner of picohttpparser's `phr_parse_request`: the caller passes everything buffered so
/// far and calls again with the grown buffer when more arrives. Every rule is checked at the first byte that
/// can break it, so the outcome does not depend on how the bytes were split into reads: a bare LF, a bad
/// method byte or a target over ``ParserLimits/maxTargetLength`` is refused before its line ends, and a head
/// that has not ended within ``ParserLimits/maxHeaderBytes`` is refused without waiting for the rest.
///
/// Rules about the header section as a whole (Host, Content-Length, Transfer-Encoding, Expect) are applied
/// once the head is complete.
///
/// Cost: one `memchr` pass to see whether the head can be complete, then one pass over the head that checks
/// every byte and creates Strings only for the method, target, path, query, field names and values. While
/// the head is incomplete, the pass checks bytes without creating any String.
public enum RequestHeadParser {
    /// Parses one request head from the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: Everything received so far for this request, starting at its first byte.
    ///   - limits: The size limits to enforce.
    /// - Returns: `.needMore` while the bytes are a valid but incomplete head, else the head and its length.
    /// - Throws: ``ParseError`` at the first byte that breaks a rule, or when a limit is exceeded.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: ParserLimits) throws(ParseError) -> HeadParseResult {
        var scanner = HeadScanner(bytes: bytes, limits: limits)
        if containsEmptyLine(bytes, upTo: scanner.end) {
            return try build(&scanner)
        }
        // No CRLF CRLF yet: the head cannot be complete. Check what there is, without building anything.
        var validator = HeadValidator()
        do throws(HeadScanner.Stop) {
            try scanner.scan(into: &validator)
        } catch {
            switch error {
            case .needMore: return .needMore
            case .invalid(let parseError): throw parseError
            }
        }
        // Unreachable: a complete head contains CRLF CRLF. Stay correct if that reasoning is ever wrong.
        scanner.index = 0
        return try build(&scanner)
    }

    private static func build(_ scanner: inout HeadScanner) throws(ParseError) -> HeadParseResult {
        var builder = HeadBuilder()
        do throws(HeadScanner.Stop) {
            try scanner.scan(into: &builder)
        } catch {
            switch error {
            case .needMore: return .needMore
            case .invalid(let parseError): throw parseError
            }
        }
        return .complete(try builder.makeHead(scanner.bytes), consumed: scanner.index)
    }

    /// Whether `bytes[0..<end]` contains CRLF CRLF, found by hopping from LF to LF with `memchr`.
    static func containsEmptyLine(_ bytes: UnsafeRawBufferPointer, upTo end: Int) -> Bool {
        guard end >= 4, let base = bytes.baseAddress else { return false }
        var from = 3
        while from < end {
            guard let hit = memchr(base + from, Int32(ByteClass.lf), end - from) else { return false }
            let index = base.distance(to: UnsafeRawPointer(hit))
            if bytes[index - 1] == ByteClass.cr && bytes[index - 2] == ByteClass.lf && bytes[index - 3] == ByteClass.cr {
                return true
            }
            from = index + 1
        }
        return false
    }
}

/// Receives the pieces of a head as the scanner validates them.
protocol HeadSink {
    mutating func requestLine(_ line: RequestHeadParser.RequestLine, _ bytes: UnsafeRawBufferPointer)
    mutating func field(name: Range<Int>, value: Range<Int>, _ bytes: UnsafeRawBufferPointer)
}

/// Keeps nothing: used while the head is known to be incomplete.
struct HeadValidator: HeadSink {
    @inline(__always) mutating func requestLine(_ line: RequestHeadParser.RequestLine, _ bytes: UnsafeRawBufferPointer) {}
    @inline(__always) mutating func field(name: Range<Int>, value: Range<Int>, _ bytes: UnsafeRawBufferPointer) {}
}

/// Walks the head byte by byte. Its view ends at `maxHeaderBytes`: needing a byte beyond that view means the
/// head is too large (431) when more bytes exist, and incomplete otherwise.
struct HeadScanner {
    /// Why the scan stopped before the end of the head.
    enum Stop: Error {
        case needMore
        case invalid(ParseError)
    }

    let bytes: UnsafeRawBufferPointer
    let limits: ParserLimits
    /// The end of the view: min(count, maxHeaderBytes).
    let end: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, limits: ParserLimits) {
        self.bytes = bytes
        self.limits = limits
        self.end = min(bytes.count, max(0, limits.maxHeaderBytes))
    }

    /// The byte at `index`, or a stop when it is beyond the view.
    @inline(__always)
    func byte(_ index: Int) throws(Stop) -> UInt8 {
        guard index < end else { throw bytes.count > end ? .invalid(.headerTooLarge) : .needMore }
        return bytes[index]
    }

    /// At a CR: returns when an LF follows, throws `.bareCR` when another byte does (RFC 9112 §2.2).
    @inline(__always)
    func expectLF(afterCR index: Int) throws(Stop) {
        guard try byte(index + 1) == ByteClass.lf else { throw .invalid(.bareCR) }
    }

    mutating func scan<Sink: HeadSink>(into sink: inout Sink) throws(Stop) {
        try skipEmptyLines()
        let line = try requestLine()
        sink.requestLine(line, bytes)
        try fieldLines(into: &sink)
    }

    /// RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line SHOULD ignore at least
    /// one empty line (CRLF) received prior to the request-line". Two are ignored; a third is an error.
    mutating func skipEmptyLines() throws(Stop) {
        var skipped = 0
        while true {
            let first = try byte(index)
            if first == ByteClass.lf { throw .invalid(.bareLF) }
            guard first == ByteClass.cr else { return }
            try expectLF(afterCR: index)
            guard skipped < 2 else { throw .invalid(.invalidRequestLine) }
            skipped += 1
            index += 2
        }
    }
}
