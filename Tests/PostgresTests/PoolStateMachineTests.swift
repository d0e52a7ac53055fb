import Testing

@testable import Postgres

@Suite("Pool state machine (no threads, no clock)")
struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<String>

    static func machine(poolSize: Int = 2, maxWaiting: Int = 2) -> Machine {
        Machine(
            settings: .init(poolSize: poolSize, maxWaiting: maxWaiting, acquireTimeout: 100, reconnectBackoff: 1_000))
    }

    static func woken(_ action: Machine.SubmitAction) -> Int? {
        if case .wake(let worker) = action { return worker }
        return nil
    }

    static func rejection(_ action: Machine.SubmitAction) -> Machine.Rejection? {
        if case .reject(_, let rejection) = action { return rejection }
        return nil
    }

    static func runs(_ action: Machine.WorkerAction) -> String? {
        if case .run(let job) = action { return job }
        return nil
    }

    @Test("a job goes straight to an idle worker's mailbox")
    func direct() {
        var machine = Self.machine()
        #expect(Self.woken(machine.submit("a", id: 1, now: 0)) == 0)
        #expect(machine.inUse == 1)
        #expect(Self.runs(machine.next(worker: 0)) == "a")
        // Done, nothing waiting: idle again.
        guard case .wait = machine.next(worker: 0) else {
            Issue.record("expected wait")
            return
        }
        #expect(machine.inUse == 0)
        #expect(machine.idleCount == 2)
    }

    @Test("idle workers that hold a connection are preferred")
    func prefersConnected() {
        var machine = Self.machine()
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.submit("b", id: 2, now: 0)
        _ = machine.next(worker: 0)
        _ = machine.next(worker: 1)
        machine.connectSucceeded(worker: 1)
        _ = machine.next(worker: 0)
        _ = machine.next(worker: 1)
        #expect(Self.woken(machine.submit("c", id: 3, now: 0)) == 1)
    }

    @Test("jobs queue FIFO when every worker is busy, up to maxWaiting")
    func queue() {
        var machine = Self.machine(poolSize: 1, maxWaiting: 2)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        guard case .queued(let first) = machine.submit("b", id: 2, now: 0),
            case .queued(let second) = machine.submit("c", id: 3, now: 0)
        else {
            Issue.record("expected queued")
            return
        }
        #expect(first && !second)  // only the first waiting job tells the timer
        #expect(Self.rejection(machine.submit("d", id: 4, now: 0)) == .exhausted)
        #expect(machine.waitingCount == 2)
        #expect(Self.runs(machine.next(worker: 0)) == "b")
        #expect(Self.runs(machine.next(worker: 0)) == "c")
        #expect(machine.inUse == 1)
    }

    @Test("waiting jobs expire at their acquire deadline, oldest first")
    func expiry() {
        var machine = Self.machine(poolSize: 1, maxWaiting: 10)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        _ = machine.submit("b", id: 2, now: 10)
        _ = machine.submit("c", id: 3, now: 50)
        #expect(machine.nextDeadline == 110)
        #expect(machine.expire(now: 109).isEmpty)
        #expect(machine.expire(now: 110) == ["b"])
        #expect(machine.nextDeadline == 150)
        #expect(machine.expire(now: 1_000) == ["c"])
        #expect(machine.nextDeadline == nil)
    }

    @Test("a cancelled waiting job leaves the queue; one already cancelled is refused")
    func cancellation() {
        var machine = Self.machine(poolSize: 1, maxWaiting: 10)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        _ = machine.submit("b", id: 2, now: 0)
        _ = machine.submit("c", id: 3, now: 0)
        #expect(machine.cancel(id: 2) == "b")
        #expect(machine.cancel(id: 2) == nil)
        #expect(Self.runs(machine.next(worker: 0)) == "c")
        #expect(Self.rejection(machine.submit("d", id: 4, now: 0, cancelled: true)) == .cancelled)
    }

    @Test("after a failed connect, jobs needing a connection fail fast; one probe after the backoff")
    func circuit() {
        var machine = Self.machine(poolSize: 2)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        let firstAttempt = machine.mayConnect(now: 0)
        #expect(firstAttempt)
        machine.connectFailed(now: 0, message: "refused")
        _ = machine.next(worker: 0)
        #expect(Self.rejection(machine.submit("b", id: 2, now: 500)) == .unavailable)
        #expect(machine.lastConnectError == "refused")
        // The backoff has passed: the next job gets a worker, which may probe; nobody else may meanwhile.
        #expect(Self.woken(machine.submit("c", id: 3, now: 1_000)) != nil)
        let probe = machine.mayConnect(now: 1_000)
        #expect(probe)
        #expect(machine.circuit == .probing)
        let second = machine.mayConnect(now: 1_001)
        #expect(!second)
        #expect(Self.rejection(machine.submit("d", id: 4, now: 1_001)) == .unavailable)
        machine.connectSucceeded(worker: 0)
        #expect(machine.circuit == .closed)
        let afterSuccess = machine.mayConnect(now: 1_002)
        #expect(afterSuccess)
    }

    @Test("a worker with a connection still serves while the circuit is open")
    func connectedServesDuringOutage() {
        var machine = Self.machine(poolSize: 2)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        machine.connectSucceeded(worker: 0)
        _ = machine.next(worker: 0)
        machine.connectFailed(now: 0, message: "refused")
        #expect(Self.woken(machine.submit("b", id: 2, now: 1)) == 0)
    }

    @Test("shutdown refuses new jobs, stops idle workers and lets busy ones drain the queue")
    func shutdown() {
        var machine = Self.machine(poolSize: 2, maxWaiting: 5)
        _ = machine.submit("a", id: 1, now: 0)
        _ = machine.next(worker: 0)
        // Worker 1 is idle; fill worker 1 too, then queue one more.
        _ = machine.submit("b", id: 2, now: 0)
        _ = machine.next(worker: 1)
        _ = machine.submit("c", id: 3, now: 0)
        #expect(machine.shutdown().isEmpty)
        #expect(Self.rejection(machine.submit("d", id: 4, now: 0)) == .shutdown)
        #expect(Self.runs(machine.next(worker: 0)) == "c")
        guard case .exit = machine.next(worker: 1), case .exit = machine.next(worker: 0) else {
            Issue.record("expected exit")
            return
        }
        #expect(machine.allExited)
    }

    @Test("shutdown hands back the idle workers to wake")
    func shutdownIdle() {
        var machine = Self.machine(poolSize: 3)
        #expect(Set(machine.shutdown()) == [0, 1, 2])
        guard case .exit = machine.next(worker: 1) else {
            Issue.record("expected exit")
            return
        }
        #expect(machine.shutdown().isEmpty)
    }
}
