import CShims
import Dispatch
import Glibc
import Platform
import Synchronization

/// Something registered with an event loop that reacts to readiness of its file descriptor.
/// Only ever called on the loop's own thread.
protocol EventHandler: AnyObject {
    func handleEvents(_ events: UInt32)
    /// Called about four times a second so the handler can enforce its deadlines.
    func tick(now: UInt64)
}

/// One epoll instance driven by one dedicated thread.
///
/// Everything registered here (listeners, connections) is touched only on the loop thread. Other threads talk
/// to the loop through ``execute(_:)``, which queues a closure and wakes the loop through an eventfd.
final class EventLoop: @unchecked Sendable {
    // Invariant: `handlers`, `tickables` and everything they reach are used only on `thread`;
    // cross-thread state is `pending` (a Mutex) and the eventfd.
    let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private var handlers: [(any EventHandler)?] = []
    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let wakePending = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    /// Whether `start()` ran: a server whose start failed stops loops that never had a thread.
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var lastTick: UInt64 = 0

    static let tickInterval: UInt64 = 250_000_000

    /// Scratch space every read on this loop goes through; connections copy out only what they keep.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    /// The current IMF-fixdate for the Date header, refreshed on each tick.
    private(set) var httpDate: [UInt8] = HTTPDate.now()
    /// This loop's share of the request metrics.
    let requestStats = RequestStats()
    /// Access-log timestamps; loop thread only.
    let logClock = LogClock()

    init(index: Int) throws(SocketError) {
        self.index = index
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError("eventfd") }
        var event = epoll_event()
        event.events = cshims_epollin()
        event.data.u64 = UInt64(UInt32(bitPattern: wakeFD))
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
    }

    func start() {
        started.store(true, ordering: .releasing)
        OSThread.detach(name: "crmhub-io-\(index)") { [self] in run() }
    }

    /// Runs `work` on the loop thread. Safe from any thread.
    func execute(_ work: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(work) }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Reads into the loop's scratch buffer with `read`, then hands the bytes read to `append`.
    /// Returns what `read` returned. Loop thread only.
    func withReadBuffer(_ read: (UnsafeMutableRawBufferPointer) -> Int, append: (UnsafeRawBufferPointer) -> Void) -> Int {
        let count = read(readBuffer)
        if count > 0 { append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<count])) }
        return count
    }

    /// Registers `handler` for `fd`, edge-triggered. Loop thread only.
    func register(_ fd: Int32, _ handler: any EventHandler, events: UInt32) {
        let slot = Int(fd)
        if slot >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: max(slot + 1 - handlers.count, handlers.count)))
        }
        handlers[slot] = handler
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(UInt32(bitPattern: fd))
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    /// Removes `fd` from the loop; the caller closes it afterwards. Loop thread only.
    func deregister(_ fd: Int32) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    /// Every registered handler; loop thread only.
    var registeredHandlers: [any EventHandler] { handlers.compactMap { $0 } }

    /// Stops the loop after it has run what is queued; waits for the thread to end.
    func stop() {
        stopped.store(true, ordering: .releasing)
        guard started.load(ordering: .acquiring) else { return }
        execute {}
        finished.wait()
    }

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while !stopped.load(ordering: .acquiring) {
            let count = epoll_wait(epollFD, &events, Int32(events.count), 250)
            if count < 0 {
                if errno == EINTR { continue }
                fatalError("epoll_wait: \(SocketError("epoll_wait"))")
            }
            for index in 0..<Int(count) {
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: events[index].data.u64))
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = Glibc.read(wakeFD, &value, 8)
                    continue
                }
                if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
                    handler.handleEvents(events[index].events)
                }
            }
            runPending()
            let now = MonotonicClock.nanoseconds()
            if now &- lastTick >= Self.tickInterval {
                lastTick = now
                httpDate = HTTPDate.now()
                for handler in handlers { handler?.tick(now: now) }
            }
        }
        runPending()
        close(epollFD)
        close(wakeFD)
        finished.signal()
    }

    private func runPending() {
        wakePending.store(false, ordering: .releasing)
        let work = pending.withLock { queue -> [@Sendable () -> Void] in
            if queue.isEmpty { return [] }
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for item in work { item() }
    }
}

/// Lets a loop-confined object ride in a `@Sendable` closure that the same loop will run.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    // Invariant: `value` is dereferenced only on the event loop that created this box.
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Monotonic nanoseconds for deadlines and request durations.
public enum MonotonicClock {
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
