import Glibc

extension Connection {
    /// Moves through as many buffered requests as possible. Stops while a handler runs, since responses
    /// go out in request order (RFC 9112 §9.3.2).
    func process() {
        while true {
            switch phase {
            case .head:
                if inputCount == 0 {
                    if peerClosed { close() }
                    return
                }
                if deadlineReason == .idle {
                    requestStarted = MonotonicClock.nanoseconds()
                    setDeadline(core.headerTimeout, .header)
                }
                let limits = core.configuration.parserLimits
                guard peerClosed || headWorthParsing(limits) else { return }
                let start = inputStart
                let parsed = input.withUnsafeBytes { raw in
                    Result { () throws(ParseError) in
                        try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: raw[start...]), limits: limits)
                    }
                }
                let result: HeadParseResult
                switch parsed {
                case .success(let value):
                    result = value
                case .failure(let error):
                    core.protocolErrors.increment([String(error.status)])
                    sendErrorAndClose(status: error.status, detail: error.reason)
                    return
                }
                switch result {
                case .needMore:
                    headParsedAt = inputCount
                    if peerClosed { close() }
                    return
                case .complete(let head, let consumed):
                    headScanned = 0
                    headParsedAt = 0
                    consumeInput(consumed)
                    startRequest(head)
                }
            case .body(var reader):
                guard readBody(&reader) else { return }
            case .handshake, .admitting, .handling, .streaming, .closed:
                return
            case .closing, .lingering:
                if peerClosed { close() }
                return
            }
        }
    }

    /// Whether parsing the buffered head again can tell more than last time: its end (an LF followed by LF or CR LF)
    /// has arrived since, it grew by a KiB (so limits are still enforced early), or it reached the size limit.
    private func headWorthParsing(_ limits: ParserLimits) -> Bool {
        let count = inputCount
        if count >= limits.maxHeaderBytes || count - headParsedAt >= 1024 { return true }
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var index = inputStart + max(0, headScanned - 2)
        headScanned = count
        while index < input.count {
            if input[index] == lf {
                if index + 1 < input.count, input[index + 1] == lf { return true }
                if index + 2 < input.count, input[index + 1] == cr, input[index + 2] == lf { return true }
            }
            index += 1
        }
        return false
    }

    private func startRequest(_ head: RequestHead) {
        let match = core.router.match(method: head.method, path: head.path)
        currentHead = head
        currentMatch = match
        currentBody = []
        switch head.framing {
        case .none, .contentLength(0):
            dispatch()
        case .contentLength, .chunked:
            guard case .found(let route, let parameters) = match else { return answerWithoutBody() }
            guard let admission = route.admission else { return readBody(of: head, limit: route.bodyLimit) }
            admit(head, route: route, parameters: parameters, admission: admission)
        }
    }

    /// Runs the route's admission on the head alone; the body is read only once it passes. A refusal is answered
    /// without reading the body, and the connection closes (the unread body makes it unusable).
    private func admit(_ head: RequestHead, route: Route, parameters: [String: String], admission: @escaping Admission) {
        phase = .admitting
        deadline = 0
        var headOnly = makeRequest(head)
        headOnly.parameters = parameters
        headOnly.route = route.pattern
        headOnly.routeIndex = route.index
        let this = LoopBound(self)
        let loop = self.loop
        let limit = route.bodyLimit
        let request = headOnly
        Task {
            let refusal = await admission(request)
            loop.execute {
                let connection = this.value
                guard case .admitting = connection.phase else { return }  // closed meanwhile
                if let refusal {
                    connection.currentHead?.keepAlive = false
                    connection.respond(to: request, with: refusal)
                } else {
                    connection.admitted = request
                    connection.readBody(of: head, limit: limit)
                    connection.resumeReading()
                }
            }
        }
    }

    private func readBody(of head: RequestHead, limit: Int) {
        switch head.framing {
        case .none:
            dispatch()
        case .contentLength(let length):
            guard length <= limit else { return refuseTooLarge(limit: limit) }
            guard reserveBody(length) else { return }
            sendContinueIfExpected(head, needed: length)
            currentBody.reserveCapacity(length)
            phase = .body(.fixed(remaining: length))
            setDeadline(core.bodyTimeout, .body)
        case .chunked:
            sendContinueIfExpected(head, needed: 1)
            phase = .body(.chunked(ChunkedDecoder(maxBodySize: limit, limits: core.configuration.parserLimits)))
            setDeadline(core.bodyTimeout, .body)
        }
    }

    /// Takes `bytes` more from the server's body memory budget, or answers 503 and closes.
    private func reserveBody(_ bytes: Int) -> Bool {
        guard core.reserveBody(bytes) else {
            core.protocolErrors.increment(["503"])
            sendErrorAndClose(status: 503, detail: "the server is receiving too many request bodies; retry later")
            return false
        }
        reservedBody += bytes
        return true
    }

    func releaseBodyReservation() {
        core.releaseBody(reservedBody)
        reservedBody = 0
    }

    /// 100 Continue is sent only when the client waits for it and the body has not already arrived.
    private func sendContinueIfExpected(_ head: RequestHead, needed: Int) {
        guard head.expectsContinue, head.version == .http1_1, inputCount < needed else { return }
        enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        flush()
    }

    /// Returns true when the body is complete and the request was dispatched.
    private func readBody(_ reader: inout BodyReader) -> Bool {
        switch reader {
        case .fixed(let remaining):
            let take = min(remaining, inputCount)
            if take > 0 {
                currentBody.append(contentsOf: input[inputStart..<(inputStart + take)])
                consumeInput(take)
            }
            if remaining - take > 0 {
                phase = .body(.fixed(remaining: remaining - take))
                if peerClosed { close() }
                return false
            }
        case .chunked(var decoder):
            if inputCount > 0 {
                let start = inputStart
                var body = currentBody
                currentBody = []
                let decoded = input.withUnsafeBytes { raw in
                    Result { () throws(ParseError) in
                        try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[start...]), into: &body)
                    }
                }
                currentBody = body
                switch decoded {
                case .success(let consumed):
                    consumeInput(consumed)
                    guard reserveBody(currentBody.count - reservedBody) else { return false }
                case .failure(let error):
                    core.protocolErrors.increment([String(error.status)])
                    sendErrorAndClose(status: error.status, detail: error.reason)
                    return false
                }
            }
            guard decoder.isComplete else {
                phase = .body(.chunked(decoder))
                if peerClosed { close() }
                return false
            }
            trailersOfCurrent = decoder.trailers
        }
        dispatch()
        return true
    }

    /// Answers a request for an unknown route or method without reading its body, then closes:
    /// the unread body makes the connection unusable for another request.
    private func answerWithoutBody() {
        currentHead?.keepAlive = false
        dispatch()
    }

    private func refuseTooLarge(limit: Int) {
        core.protocolErrors.increment(["413"])
        sendErrorAndClose(status: 413, detail: "request body larger than \(limit) bytes")
    }

    // MARK: Handling

    /// The request as handlers see it, without its body.
    private func makeRequest(_ head: RequestHead) -> Request {
        let requestID =
            head.headers["X-Request-Id"].flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil }
            ?? core.requestIDs.next()
        return Request(
            head: head, route: "", clientAddress: core.addressResolver.resolve(peer: peer, headers: head.headers),
            peerAddress: peer, requestID: requestID, isSecure: tls != nil)
    }

    private func dispatch() {
        guard let head = currentHead else { return }
        var request = admitted ?? makeRequest(head)
        admitted = nil
        request.body = currentBody
        request.trailers = trailersOfCurrent
        currentBody = []
        trailersOfCurrent = HeaderFields()
        deadline = 0
        switch currentMatch {
        case .notFound:
            respond(to: request, with: .problem(status: 404, detail: "no route for \(head.path)"))
        case .methodNotAllowed(let allowed):
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            respond(
                to: request,
                with: .problem(
                    status: 405, detail: "\(head.method) is not allowed here", extraHeaders: [("Allow", allow)]))
        case .found(let route, let parameters):
            request.parameters = parameters
            request.route = route.pattern
            request.routeIndex = route.index
            switch route.handler {
            case .inline(let handler):
                respond(to: request, with: handler(request))
            case .async(let handler):
                phase = .handling
                _ = core.inFlightRequests.add(1, ordering: .relaxed)
                let this = LoopBound(self)
                let loop = self.loop
                let core = self.core
                let request = request
                Task {
                    let response: Response
                    do {
                        response = try await handler(request)
                    } catch {
                        response = core.errorResponder(error, request)
                    }
                    _ = core.inFlightRequests.subtract(1, ordering: .relaxed)
                    loop.execute { this.value.handlerFinished(request, response) }
                }
            }
        }
    }

    private func handlerFinished(_ request: Request, _ response: Response) {
        guard case .handling = phase else { return }  // closed while the handler ran
        respond(to: request, with: response)
        resumeReading()
    }

    /// Reads what waited while a response was produced, and goes on with the next request.
    func resumeReading() {
        if readPaused {
            readPaused = false
            readAvailable()
        }
        process()
    }

    private func respond(to request: Request, with response: Response) {
        releaseBodyReservation()
        let head = request.head
        let streams =
            response.stream != nil && head.method != .head && response.status >= 200
            && response.status != 204 && response.status != 304
        // An HTTP/1.0 client learns where a streamed body ends only from the connection closing.
        let keepAlive =
            (currentHead?.keepAlive ?? head.keepAlive) && !core.draining.load(ordering: .relaxed)
            && !(streams && head.version == .http1_0)
        let bytes = ResponseWriter.serialize(
            response, requestID: request.requestID, date: loop.httpDate, version: head.version,
            keepAlive: keepAlive, omitBody: head.method == .head)
        if streams, let stream = response.stream {
            currentHead = nil
            startStream(stream, head: bytes, request: request, status: response.status, keepAlive: keepAlive)
            return
        }
        core.record(
            route: request.routeIndex, method: head.method, status: response.status, bytes: response.body.count,
            started: requestStarted, requestID: request.requestID, client: request.clientAddress,
            context: core.logContext(request, response.logFields), on: loop)
        currentHead = nil
        enqueue(bytes)
        if keepAlive {
            phase = .head
            setDeadline(core.idleTimeout, .idle)
            flush()
        } else {
            closeAfterFlush()
        }
    }

    /// Answers a protocol error and closes: after a framing error nothing more on this connection can be trusted.
    func sendErrorAndClose(status: Int, detail: String) {
        let response = Response.problem(status: status, detail: detail)
        let requestID = core.requestIDs.next()
        enqueue(
            ResponseWriter.serialize(
                response, requestID: requestID, date: loop.httpDate, version: .http1_1, keepAlive: false, omitBody: false))
        core.record(
            route: -1, method: currentHead?.method ?? HTTPMethod("-"), status: status, bytes: response.body.count,
            started: requestStarted == 0 ? MonotonicClock.nanoseconds() : requestStarted, requestID: requestID,
            client: peer, on: loop)
        currentHead = nil
        closeAfterFlush()
    }
}
