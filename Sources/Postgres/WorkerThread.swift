import CShims

#if canImport(Glibc)
    import Glibc
#endif

/// A joinable POSIX thread: the pool's workers block in libpq, so they must not be tasks on Swift's
/// cooperative pool, and shutdown must be able to wait for them to end.
struct WorkerThread: Sendable {
    private let thread: pthread_t

    /// Starts `body` on a new thread named `name` (Linux shows the first 15 bytes).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> WorkerThread {
        let context = Unmanaged.passRetained(ThreadContext(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                let context = Unmanaged<ThreadContext>.fromOpaque(argument!).takeRetainedValue()
                context.name.withCString { cshims_set_thread_name($0) }
                context.body()
                return nil
            }, context)
        precondition(status == 0, "pthread_create failed with \(status)")
        return WorkerThread(thread: thread)
    }

    /// Blocks until the thread has returned. Call it from a thread that may block, never from a task.
    func join() {
        _ = pthread_join(thread, nil)
    }

    /// Lets the thread clean up after itself when it ends (for a pool that is released without `shutdown()`).
    func detach() {
        _ = pthread_detach(thread)
    }
}

private final class ThreadContext: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}
