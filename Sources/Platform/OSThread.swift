import CShims
import Glibc

/// A plain POSIX thread, for work that must never run on Swift's cooperative pool (event loops, blocking
/// libpq calls, the log writer). Foundation's `Thread` would pull CoreFoundation into the process for this.
public enum OSThread {
    /// Starts `body` on a new detached thread named `name` (Linux shows the first 15 bytes).
    public static func detach(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { argument in
            let context = Unmanaged<Context>.fromOpaque(argument!).takeRetainedValue()
            context.name.withCString { cshims_set_thread_name($0) }
            context.body()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "pthread_create failed with \(status)")
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
