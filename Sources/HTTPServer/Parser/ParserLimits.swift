/// Size limits the parser enforces while bytes arrive, so that a client can make it neither buffer without
/// bound nor wait forever for a terminator.
public struct ParserLimits: Sendable {
    /// The whole head: leading empty lines, request line, field lines and the empty line ending it.
    /// A head that does not end within this many bytes is refused with 431, even before its end arrives.
    /// Also bounds the trailer section of a chunked body.
    public var maxHeaderBytes: Int
    /// The request-target; a longer one is refused with 414 as soon as its byte `maxTargetLength + 1` arrives.
    public var maxTargetLength: Int
    /// Header fields (and, separately, trailer fields); one more is refused with 431.
    public var maxHeaderCount: Int

    /// - Parameters:
    ///   - maxHeaderBytes: Bytes of the whole head, through its final CRLF (431 above it).
    ///   - maxTargetLength: Bytes of the request-target (414 above it).
    ///   - maxHeaderCount: Number of field lines (431 above it).
    public init(maxHeaderBytes: Int = 16 * 1024, maxTargetLength: Int = 8 * 1024, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxTargetLength = maxTargetLength
        self.maxHeaderCount = maxHeaderCount
    }
}
