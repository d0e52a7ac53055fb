import Glibc
import HTTPClient
import NetworkClient
import SMTP
import Testing

@Suite("outbound address policy")
struct AddressPolicyTests {
    static let notPublic = [
        "127.0.0.1", "127.255.0.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.254", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7",
        "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::10.0.0.1",
        "64:ff9b::a9fe:a9fe", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1", "2001:db8::1",
        // NAT64 local use, 6to4 and Teredo reach IPv4 through translators and relays: refused whole, whatever they
        // embed (issue 18).
        "64:ff9b:1::a00:1", "64:ff9b:1::808:808", "64:ff9b:1:ffff::1", "2002:a00:1::1", "2002:808:808::1", "2002::",
        "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    ]
    static let publicUnicast = [
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.253.0.1",
        "192.169.0.1", "223.255.255.254", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
        "64:ff9b:2::1", "2003::1", "2001:4860:4860::8888",
    ]

    @Test(
        "loopback, private, link-local, shared, documentation, multicast and unspecified addresses are not public",
        arguments: notPublic)
    func notPublicAddresses(address: String) {
        #expect(!PublicAddress.isPublic(numeric: address))
    }

    @Test("public unicast addresses are", arguments: publicUnicast)
    func publicAddresses(address: String) {
        #expect(PublicAddress.isPublic(numeric: address))
    }

    @Test("a name is not a numeric address")
    func names() {
        #expect(!PublicAddress.isPublic(numeric: "localhost"))
        #expect(!PublicAddress.isPublic(numeric: ""))
    }

    @Test("a connection to loopback is refused before connecting under publicOnly, permanently, naming the addresses")
    func refusedConnection() throws {
        let listener = try LoopbackListener()
        do {
            _ = try BlockingConnection(host: "localhost", port: listener.port, timeout: .seconds(2), policy: .publicOnly)
            Issue.record("connected to localhost under publicOnly")
        } catch {
            #expect(error.kind == .notAllowed)
            #expect(error.description.hasPrefix("localhost (") && error.description.contains("127.0.0.1"))
            // What an org admin is shown names the host as configured, not the addresses it resolved to.
            #expect(error.summary.hasPrefix("localhost is not a public address") && !error.summary.contains("127.0.0.1"))
            #expect(SMTPError.network(error).isPermanent && HTTPClientError.network(error).isPermanent)
        }
        #expect(listener.acceptedAny() == false)
        // The same address is reachable when private targets are allowed.
        _ = try BlockingConnection(host: "127.0.0.1", port: listener.port, timeout: .seconds(2), policy: .any)
        #expect(listener.acceptedAny())
    }
}

/// A listening socket on 127.0.0.1 that never accepts: a completed connection waits in its backlog.
final class LoopbackListener {
    let fd: Int32
    let port: Int

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard socketFD >= 0, bound, listen(socketFD, 8) == 0 else {
            let code = errno
            close(socketFD)
            throw POSIXFailure(code: code)
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection has arrived (polled without accepting it).
    func acceptedAny() -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 200) == 1
    }

    deinit { close(fd) }
}

struct POSIXFailure: Error {
    let code: Int32
}
