/// A streamed response being sent: the next piece is asked for only once the socket took the previous one.
struct ActiveStream {
    let source: any ResponseBodyStream
    let request: Request
    let status: Int
    let keepAlive: Bool
    var bytes = 0
    /// The last piece is still in the output buffer; EPOLLOUT asks for the next one once it is written.
    var waitingForDrain = false
}

extension Connection {
    func startStream(_ source: any ResponseBodyStream, head: [UInt8], request: Request, status: Int, keepAlive: Bool) {
        activeStream = ActiveStream(source: source, request: request, status: status, keepAlive: keepAlive)
        phase = .streaming
        deadline = 0
        _ = core.inFlightRequests.add(1, ordering: .relaxed)
        enqueue(head)
        writeThenPull()
    }

    /// Called after EPOLLOUT emptied the output buffer.
    func streamDrained() {
        guard case .streaming = phase, activeStream?.waitingForDrain == true, outputStart == output.count else { return }
        activeStream?.waitingForDrain = false
        pullNextPiece()
    }

    private func writeThenPull() {
        if flush() {
            pullNextPiece()
        } else if case .streaming = phase {
            activeStream?.waitingForDrain = true
        }
    }

    private func pullNextPiece() {
        guard let source = activeStream?.source else { return }
        deadline = 0  // the producer's own pace (a database query) is not the client's fault
        let this = LoopBound(self)
        let loop = self.loop
        Task {
            let piece: Result<[UInt8]?, any Error>
            do {
                piece = .success(try await source.next())
            } catch {
                piece = .failure(error)
            }
            loop.execute { this.value.pieceProduced(piece) }
        }
    }

    private func pieceProduced(_ piece: Result<[UInt8]?, any Error>) {
        guard case .streaming = phase, let version = activeStream?.request.head.version else { return }  // closed meanwhile
        switch piece {
        case .success(let bytes?):
            if bytes.isEmpty { return pullNextPiece() }
            activeStream?.bytes += bytes.count
            enqueue(ResponseWriter.chunk(bytes, version: version))
            writeThenPull()
        case .success(nil):
            enqueue(ResponseWriter.lastChunk(version: version))
            finishStream(completed: true)
        case .failure:
            finishStream(completed: false)
        }
    }

    /// A failed stream ends without its last chunk, so the client cannot take the body for complete.
    private func finishStream(completed: Bool) {
        guard let stream = activeStream else { return }
        activeStream = nil
        _ = core.inFlightRequests.subtract(1, ordering: .relaxed)
        let request = stream.request
        core.record(
            route: request.routeIndex, method: request.method, status: stream.status, bytes: stream.bytes,
            started: requestStarted, requestID: request.requestID, client: request.clientAddress,
            context: core.logContext(request, []), on: loop)
        guard completed && stream.keepAlive else { return closeAfterFlush() }
        phase = .head
        setDeadline(core.idleTimeout, .idle)
        flush()
        resumeReading()
    }
}
