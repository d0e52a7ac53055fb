/// A response body produced while it is sent. The connection asks for the next piece only once the socket has
/// taken the previous one, so a slow client slows the producer down instead of filling memory.
public protocol ResponseBodyStream: Sendable {
    /// The next piece of the body, or nil at its end. An empty piece is skipped. A thrown error aborts the
    /// response: the connection is closed without the last chunk, so the client sees a truncated body.
    func next() async throws -> [UInt8]?
}
