import CShims
import Glibc

/// Thin helpers over the socket system calls the server uses. File descriptors stay plain `Int32`s:
/// each is owned by exactly one listener or connection, which closes it.
enum Socket {
    /// A non-blocking listening socket. With `reusePort`, several sockets (one per event loop) share the port
    /// and the kernel spreads new connections across them.
    static func listen(on address: BindAddress, backlog: Int32 = 1024, reusePort: Bool) throws(SocketError) -> Int32 {
        let fd = socket(
            address.isIPv6 ? AF_INET6 : AF_INET,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        do {
            let result = try address.withSockAddr { pointer, length in bind(fd, pointer, length) }
            guard result == 0 else { throw SocketError("bind \(address)") }
        } catch let error as SocketError {
            close(fd)
            throw error
        } catch {
            close(fd)
            throw SocketError("bind \(address)", code: EINVAL)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError("listen")
            close(fd)
            throw error
        }
        return fd
    }

    /// The port a socket is bound to (after binding port 0).
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    enum AcceptResult {
        case accepted(Int32, IPAddress?)
        case wouldBlock
        case failed(SocketError)
    }

    static func accept(_ listener: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                cshims_accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(SocketError("accept4"))
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .accepted(fd, IPAddress(storage: storage))
    }
}
