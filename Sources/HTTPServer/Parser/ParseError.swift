/// Why a request was refused by the parser. Each case is one rule of RFC 9112/9110, and maps to one status.
public enum ParseError: Error, Equatable, Sendable {
    case invalidMethod
    case invalidTarget
    case invalidRequestLine
    case invalidVersion
    case unsupportedVersion
    case bareLF
    case bareCR
    case obsFold
    case whitespaceBeforeColon
    case invalidFieldName
    case invalidFieldValue
    case missingHost
    case multipleHost
    case invalidHost
    case invalidContentLength
    case duplicateContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingNotChunked
    case transferEncodingInHTTP10
    case unsupportedTransferCoding
    case unsupportedExpectation
    case headerTooLarge
    case tooManyHeaders
    case uriTooLong
    case bodyTooLarge
    case invalidChunkSize
    case invalidChunkExtension
    case invalidChunkData
    case invalidTrailer

    public var status: Int {
        switch self {
        case .unsupportedVersion: 505
        case .unsupportedTransferCoding: 501
        case .unsupportedExpectation: 417
        case .headerTooLarge, .tooManyHeaders: 431
        case .uriTooLong: 414
        case .bodyTooLarge: 413
        default: 400
        }
    }

    public var reason: String {
        switch self {
        case .invalidMethod: "invalid method token"
        case .invalidTarget: "invalid request-target"
        case .invalidRequestLine: "malformed request line"
        case .invalidVersion: "malformed HTTP version"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .bareLF: "bare LF where CRLF is required"
        case .bareCR: "bare CR not followed by LF"
        case .obsFold: "obsolete line folding is not accepted"
        case .whitespaceBeforeColon: "whitespace between field name and colon"
        case .invalidFieldName: "invalid header field name"
        case .invalidFieldValue: "invalid character in header field value"
        case .missingHost: "HTTP/1.1 request without Host"
        case .multipleHost: "more than one Host field"
        case .invalidHost: "invalid Host"
        case .invalidContentLength: "invalid Content-Length"
        case .duplicateContentLength: "repeated Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .transferEncodingNotChunked: "Transfer-Encoding must end with chunked"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .unsupportedTransferCoding: "unsupported transfer coding"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        case .headerTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .uriTooLong: "request-target too long"
        case .bodyTooLarge: "request body too large"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkExtension: "invalid chunk extension"
        case .invalidChunkData: "chunk data not followed by CRLF"
        case .invalidTrailer: "invalid trailer field"
        }
    }
}

/// Size limits the parser enforces while bytes arrive.
public struct ParserLimits: Sendable {
    /// The whole head, request line included, through its empty line (431 above it).
    public var maxHeaderBytes: Int
    /// The request-target (414 above it).
    public var maxTargetLength: Int
    /// Header (and trailer) fields (431 above it).
    public var maxHeaderCount: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxTargetLength: Int = 8 * 1024, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxTargetLength = maxTargetLength
        self.maxHeaderCount = maxHeaderCount
    }
}

public enum HeadParseResult: Sendable, Equatable {
    case needMore
    case complete(RequestHead, consumed: Int)
}

/// Byte classes of RFC 9110 §5.6.2 and §5.5.
enum ByteClass {
    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static let tchar: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in "!#$%&'*+-.^_`|~".utf8 { table[Int(byte)] = true }
        return table
    }()

    @inline(__always) static func isTChar(_ byte: UInt8) -> Bool { tchar[Int(byte)] }

    /// field-vchar / SP / HTAB; obs-text (0x80–0xFF) allowed.
    @inline(__always) static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// Visible ASCII for request-targets (no CTLs, no space, no obs-text).
    @inline(__always) static func isTargetByte(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
}
