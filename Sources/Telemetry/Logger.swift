import Dispatch
import Glibc
import Platform
import Synchronization

/// Writes one JSON object per line to standard output (or another file descriptor).
///
/// Lines are buffered and written by a background thread at least every 50 ms, so a request never
/// waits on a `write` system call. ``flush()`` writes what is buffered now (called at shutdown).
public final class Logger: Sendable {
    public let level: LogLevel
    private let sink: LogSink

    public init(level: LogLevel, fileDescriptor: Int32 = 1) {
        self.level = level
        self.sink = LogSink.shared(fileDescriptor: fileDescriptor)
    }

    /// A logger that drops everything; for tests.
    public static func discarding() -> Logger { Logger(level: .error, fileDescriptor: -1) }

    @inlinable
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// Logs `message` with extra string fields. Values must never be secrets or message bodies.
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        guard isEnabled(level) else { return }
        var line = JSONLine()
        line.add("time", Self.timestamp())
        line.add("level", level.description)
        line.add("msg", message)
        for (key, value) in fields { line.add(key, value) }
        write(line)
    }

    public func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: [(String, String)] = []) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }

    /// Writes a line built by the caller (the access log builds its own to avoid arrays of pairs).
    public func write(_ line: JSONLine) {
        sink.append(line.finished())
    }

    /// Writes a finished line (with its newline) that the caller guarantees is valid JSON.
    public func writeRaw(_ line: String) {
        sink.append(line)
    }

    public func flush() { sink.flush() }

    /// RFC 3339 UTC time with milliseconds.
    public static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = spec.tv_nsec / 1_000_000
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

/// The buffer behind ``Logger`` and the thread that drains it.
final class LogSink: Sendable {
    private let fileDescriptor: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let wakeup = DispatchSemaphore(value: 0)

    /// One sink, and so one draining thread, per file descriptor for the whole process: every Logger writing to
    /// standard output (one per server, and tests start hundreds) shares it.
    static func shared(fileDescriptor: Int32) -> LogSink {
        sinks.withLock { sinks in
            if let sink = sinks[fileDescriptor] { return sink }
            let sink = LogSink(fileDescriptor: fileDescriptor)
            sinks[fileDescriptor] = sink
            return sink
        }
    }

    private static let sinks = Mutex<[Int32: LogSink]>([:])

    private init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        guard fileDescriptor >= 0 else { return }
        OSThread.detach(name: "crmhub-log") { [self] in drainForever() }
    }

    func append(_ line: String) {
        guard fileDescriptor >= 0 else { return }
        let size = buffer.withLock { bytes in
            bytes.append(contentsOf: line.utf8)
            return bytes.count
        }
        if size > 64 * 1024 && size - line.utf8.count <= 64 * 1024 { wakeup.signal() }
    }

    func flush() {
        guard fileDescriptor >= 0 else { return }
        let pending = buffer.withLock { bytes in
            let taken = bytes
            bytes.removeAll(keepingCapacity: true)
            return taken
        }
        var offset = 0
        while offset < pending.count {
            let written = pending.withUnsafeBytes { raw in
                Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }

    private func drainForever() {
        while true {
            _ = wakeup.wait(timeout: .now() + .milliseconds(50))
            flush()
        }
    }
}
