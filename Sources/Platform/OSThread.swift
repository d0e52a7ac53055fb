import CShims
import Glibc

/// A plain POSIX thread, for work that must never run on Swift's cooperative pool (event loops, blocking
/// libpq calls, the log writer). Foundation's `Thread` would pull CoreFoundation into the process for this.
public struct OSThread: Sendable {
    private let thread: pthread_t

    /// Starts `body` on a new joinable thread named `name` (Linux shows the first 15 bytes): the caller must
    /// `join()` or `detach()` it.
    public static func start(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) -> OSThread {
        OSThread(thread: create(name: name, stackSize: stackSize, detached: false, body))
    }

    /// Starts `body` on a new detached thread named `name`, which cleans up after itself when it ends.
    public static func detach(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        _ = create(name: name, stackSize: stackSize, detached: true, body)
    }

    /// Blocks until the thread has returned. Call it from a thread that may block, never from a task.
    public func join() {
        _ = pthread_join(thread, nil)
    }

    /// Lets the thread clean up after itself when it ends (for an owner released without joining it).
    public func detach() {
        _ = pthread_detach(thread)
    }

    private static func create(
        name: String, stackSize: Int, detached: Bool, _ body: @escaping @Sendable () -> Void
    ) -> pthread_t {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackSize)
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { argument in
                let context = Unmanaged<Context>.fromOpaque(argument!).takeRetainedValue()
                context.name.withCString { cshims_set_thread_name($0) }
                context.body()
                return nil
            }, context)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "pthread_create failed with \(status)")
        return thread
    }

    private final class Context: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = String(name.prefix(15))
            self.body = body
        }
    }
}
