import CShims
import Glibc

/// One client connection, confined to its event loop: reads bytes, parses requests one at a time (pipelined
/// requests wait in the input buffer and are answered in order), runs the handler and writes the response.
final class Connection: EventHandler {
    enum Phase {
        case handshake
        case head
        case body(BodyReader)
        /// The route's admission check runs on the head; the body waits unread.
        case admitting
        case handling
        /// A streamed body is being sent (`activeStream`).
        case streaming
        /// Output is being flushed before the write side closes; reads are discarded.
        case closing
        /// Write side closed; waiting briefly for the client to close so it reads the whole response.
        case lingering
        case closed
    }

    enum BodyReader {
        case fixed(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    let fd: Int32
    let loop: EventLoop
    let core: ServerCore
    let peer: IPAddress?
    let tls: TLSSession?

    var phase: Phase
    var input: [UInt8] = []
    var inputStart = 0
    var output: [UInt8] = []
    var outputStart = 0
    var peerClosed = false
    /// Reading stopped because the buffer is full while a request is being handled.
    var readPaused = false
    /// 0 when no deadline is running.
    var deadline: UInt64 = 0
    var deadlineReason: DeadlineReason = .idle

    // The request being read or handled.
    var currentHead: RequestHead?
    var currentMatch: RouteMatch = .notFound
    var currentBody: [UInt8] = []
    var trailersOfCurrent = HeaderFields()
    var requestStarted: UInt64 = 0
    var activeStream: ActiveStream?
    /// Bytes of the body memory budget this request holds (released when it is answered or the connection closes).
    var reservedBody = 0
    /// The request as its route's admission saw it (head only), reused when the body has arrived: one request id and
    /// one client-address resolution per request.
    var admitted: Request?
    /// Buffered head bytes already searched for the head's end, and the count at the last parse that needed more:
    /// a head trickled in byte by byte is parsed again only when its end may have arrived or it grew by a KiB, not
    /// at every read (which made a trickled 16 KiB head cost quadratic time).
    var headScanned = 0
    var headParsedAt = 0

    enum DeadlineReason { case idle, header, body, write, linger }

    static let maxBufferedInput = 64 * 1024

    init(fd: Int32, loop: EventLoop, core: ServerCore, peer: IPAddress?, tls: TLSSession?) {
        self.fd = fd
        self.loop = loop
        self.core = core
        self.peer = peer
        self.tls = tls
        phase = tls == nil ? .head : .handshake
        setDeadline(tls == nil ? core.idleTimeout : core.headerTimeout, tls == nil ? .idle : .header)
    }

    var inputCount: Int { input.count - inputStart }

    /// A response is being produced: requests that arrive meanwhile wait in the input buffer.
    var isBusy: Bool {
        switch phase {
        case .admitting, .handling, .streaming: true
        default: false
        }
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if case .closed = phase { return }
        if events & cshims_epollout() != 0 && outputStart < output.count {
            flush()
            if case .closed = phase { return }
            streamDrained()
        }
        if case .handshake = phase {
            continueHandshake()
            process()
        } else if events & (cshims_epollin() | cshims_epollrdhup() | cshims_epollhup() | cshims_epollerr()) != 0 {
            // A close or error in this event is seen only by reading until the socket says so.
            readAvailable(stopAtShortRead: events & (cshims_epollrdhup() | cshims_epollhup() | cshims_epollerr()) == 0)
            process()
        }
    }

    func tick(now: UInt64) {
        guard deadline != 0, now > deadline else { return }
        switch deadlineReason {
        case .idle, .write, .linger:
            close()
        case .header, .body:
            core.protocolErrors.increment(["408"])
            sendErrorAndClose(
                status: 408,
                detail: deadlineReason == .header ? "header section not received in time" : "body not received in time")
        }
    }

    func setDeadline(_ interval: UInt64, _ reason: DeadlineReason) {
        deadline = MonotonicClock.nanoseconds() &+ interval
        deadlineReason = reason
    }

    // MARK: Reading

    /// Reads until the socket has nothing more (edge-triggered epoll needs that) or the buffer is full.
    ///
    /// With `stopAtShortRead`, a plain-TCP read that returns less than the buffer holds ends it: the socket had no more
    /// at that moment, and whatever arrives later raises a new edge. This saves the read that would answer EAGAIN, a
    /// third of the system calls of a small keep-alive request. TLS always reads on: OpenSSL may hold decrypted bytes.
    func readAvailable(stopAtShortRead: Bool = false) {
        var drained = false
        while true {
            if isBusy, inputCount >= Self.maxBufferedInput {
                readPaused = true
                return
            }
            let count = loop.withReadBuffer { buffer -> Int in
                if let tls {
                    switch tls.read(into: buffer) {
                    case .bytes(let n): return n
                    case .wantRead, .wantWrite: return -1
                    case .closed: return 0
                    case .failed: return -2
                    }
                }
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : (errno == EINTR ? -3 : -2) }
                drained = stopAtShortRead && n < buffer.count
                return n
            } append: { bytes in
                appendInput(bytes)
            }
            switch count {
            case -1: return
            case -3: continue
            case -2:
                close()
                return
            case 0:
                peerClosed = true
                return
            default:
                if drained { return }
                continue
            }
        }
    }

    private func appendInput(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .closing, .lingering, .closed:
            return  // discarded
        default:
            if inputStart == input.count {
                input.removeAll(keepingCapacity: input.capacity <= 16 * 1024)
                inputStart = 0
            } else if inputStart > 0 && inputStart >= input.count / 2 {
                input.removeFirst(inputStart)
                inputStart = 0
            }
            input.append(contentsOf: bytes)
        }
    }

    func consumeInput(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input.removeAll(keepingCapacity: input.capacity <= 16 * 1024)
            inputStart = 0
        }
    }

    private func continueHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .bytes:
            phase = .head
            setDeadline(core.idleTimeout, .idle)
            readAvailable()
        case .wantRead:
            return
        case .wantWrite:
            return  // EPOLLOUT (edge-triggered, always registered) brings us back here through readAvailable
        case .closed, .failed:
            close()
        }
    }

    // MARK: Writing

    func enqueue(_ bytes: [UInt8]) {
        if outputStart == output.count {
            output = bytes
            outputStart = 0
        } else {
            output.append(contentsOf: bytes)
        }
    }

    /// Writes what is queued; returns true when everything is out.
    @discardableResult
    func flush() -> Bool {
        while outputStart < output.count {
            let written = output.withUnsafeBytes { raw -> Int in
                let pending = UnsafeRawBufferPointer(rebasing: raw[outputStart...])
                if let tls {
                    switch tls.write(pending) {
                    case .bytes(let n): return n
                    case .wantRead, .wantWrite: return -1
                    case .closed, .failed: return -2
                    }
                }
                let n = send(fd, pending.baseAddress, pending.count, Int32(MSG_NOSIGNAL))
                if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : (errno == EINTR ? 0 : -2) }
                return n
            }
            if written == -1 {
                if deadlineReason != .write { setDeadline(core.writeTimeout, .write) }
                return false
            }
            if written == -2 {
                close()
                return false
            }
            outputStart += written
        }
        output.removeAll(keepingCapacity: output.capacity <= 16 * 1024)
        outputStart = 0
        if case .closing = phase { shutdownWriteSide() }
        return true
    }

    // MARK: Closing

    /// Sends what is queued, then closes the write side and lingers for the client's close.
    func closeAfterFlush() {
        phase = .closing
        if flush() == false, case .closed = phase { return }
    }

    private func shutdownWriteSide() {
        tls?.shutdown()
        Glibc.shutdown(fd, Int32(SHUT_WR))
        phase = .lingering
        input = []
        inputStart = 0
        setDeadline(2_000_000_000, .linger)
        if peerClosed { close() }
    }

    func close() {
        if case .closed = phase { return }
        phase = .closed
        deadline = 0
        if activeStream != nil {
            activeStream = nil
            _ = core.inFlightRequests.subtract(1, ordering: .relaxed)
        }
        loop.deregister(fd)
        Glibc.close(fd)
        input = []
        output = []
        releaseBodyReservation()
        core.releaseClient(peer)
        _ = core.openConnections.subtract(1, ordering: .relaxed)
    }
}
