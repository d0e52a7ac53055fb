/// Why the parser refused a request. Each case is one rule of RFC 9112 / RFC 9110 and maps to one status.
///
/// The connection answers with ``status`` and ``reason`` and then closes: after a framing error the byte
/// stream can no longer be trusted to delimit the next request (RFC 9112 §11.2, request smuggling).
public enum ParseError: Error, Equatable, Sendable {
    // Request line (RFC 9112 §2.2, §3).
    /// The method is not `1*tchar`, or is empty.
    case invalidMethod
    /// The request line is not `method SP request-target SP HTTP-version CRLF`: a part is missing, two
    /// spaces separate parts, or more than two empty lines precede it.
    case invalidRequestLine
    /// The request-target has a byte outside visible ASCII, or its form does not fit the method.
    case invalidTarget
    /// The version is not `HTTP/` DIGIT `.` DIGIT (case-sensitive).
    case invalidVersion
    /// A well-formed version whose major version is not 1, e.g. HTTP/2.0 or HTTP/0.9 (505). HTTP/1.2 and
    /// higher minor versions are processed as HTTP/1.1.
    case unsupportedVersion

    // Line endings and field syntax (RFC 9112 §2.2, §5).
    /// LF without the CR before it.
    case bareLF
    /// CR not followed by LF.
    case bareCR
    /// A field line starting with whitespace (obsolete line folding).
    case obsFold
    /// Whitespace between a field name and its colon.
    case whitespaceBeforeColon
    /// A field name that is empty or not `1*tchar`, or a field line without a colon.
    case invalidFieldName
    /// NUL, DEL or another control byte in a field value.
    case invalidFieldValue

    // Host (RFC 9112 §3.2).
    case missingHost
    case multipleHost
    /// The Host value is not `uri-host [ ":" port ]`.
    case invalidHost

    // Message body length (RFC 9112 §6).
    /// Content-Length is not `1*DIGIT`, or does not fit in an Int.
    case invalidContentLength
    /// More than one Content-Length field, or a list value (even "5, 5").
    case duplicateContentLength
    case contentLengthWithTransferEncoding
    /// The final transfer coding is not chunked.
    case transferEncodingNotChunked
    /// chunked is applied more than once (RFC 9112 §7.1).
    case chunkedAppliedTwice
    /// A transfer coding other than a single chunked (501): unknown, or gzip/deflate/compress we do not decode.
    case unsupportedTransferCoding
    case transferEncodingInHTTP10

    /// An Expect field other than 100-continue (417, RFC 9110 §10.1.1).
    case unsupportedExpectation

    // Limits.
    /// The head (or the trailer section) is larger than ``ParserLimits/maxHeaderBytes`` (431).
    case headerTooLarge
    /// More fields (or trailer fields) than ``ParserLimits/maxHeaderCount`` (431).
    case tooManyHeaders
    /// The request-target is longer than ``ParserLimits/maxTargetLength`` (414).
    case uriTooLong
    /// The decoded chunked body is larger than the decoder's maximum (413).
    case bodyTooLarge

    // Chunked transfer coding (RFC 9112 §7.1).
    /// The chunk size is not `1*HEXDIG`, overflows, or has whitespace around it.
    case invalidChunkSize
    /// A chunk extension is not `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`.
    case invalidChunkExtension
    /// The chunk-size line (size and extensions) is longer than ``ChunkedDecoder/maxChunkLineLength``.
    case chunkLineTooLong
    /// Chunk data not followed by CRLF.
    case invalidChunkData
    /// A trailer field line with invalid syntax.
    case invalidTrailer

    /// The status code to answer with.
    public var status: Int {
        switch self {
        case .unsupportedVersion: 505
        case .unsupportedTransferCoding: 501
        case .unsupportedExpectation: 417
        case .headerTooLarge, .tooManyHeaders: 431
        case .uriTooLong: 414
        case .bodyTooLarge: 413
        case .invalidMethod, .invalidRequestLine, .invalidTarget, .invalidVersion, .bareLF, .bareCR, .obsFold,
            .whitespaceBeforeColon, .invalidFieldName, .invalidFieldValue, .missingHost, .multipleHost, .invalidHost,
            .invalidContentLength, .duplicateContentLength, .contentLengthWithTransferEncoding,
            .transferEncodingNotChunked, .chunkedAppliedTwice, .transferEncodingInHTTP10, .invalidChunkSize,
            .invalidChunkExtension, .chunkLineTooLong, .invalidChunkData, .invalidTrailer:
            400
        }
    }

    /// A short text for the error body. It names the rule, never the bytes received.
    public var reason: String {
        switch self {
        case .invalidMethod: "invalid method"
        case .invalidRequestLine: "malformed request line"
        case .invalidTarget: "invalid request-target"
        case .invalidVersion: "malformed HTTP version"
        case .unsupportedVersion: "only HTTP/1 is supported (HTTP/1.0 and HTTP/1.1)"
        case .bareLF: "bare LF where CRLF is required"
        case .bareCR: "CR not followed by LF"
        case .obsFold: "obsolete line folding"
        case .whitespaceBeforeColon: "whitespace between field name and colon"
        case .invalidFieldName: "invalid field name"
        case .invalidFieldValue: "invalid character in field value"
        case .missingHost: "missing Host"
        case .multipleHost: "more than one Host"
        case .invalidHost: "invalid Host"
        case .invalidContentLength: "invalid Content-Length"
        case .duplicateContentLength: "duplicate Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length with Transfer-Encoding"
        case .transferEncodingNotChunked: "final transfer coding is not chunked"
        case .chunkedAppliedTwice: "chunked applied more than once"
        case .unsupportedTransferCoding: "unsupported transfer coding"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        case .headerTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .uriTooLong: "request-target too long"
        case .bodyTooLarge: "request body too large"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkExtension: "invalid chunk extension"
        case .chunkLineTooLong: "chunk-size line too long"
        case .invalidChunkData: "chunk data not followed by CRLF"
        case .invalidTrailer: "invalid trailer field"
        }
    }
}
