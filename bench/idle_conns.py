"""Idle keep-alive connections and what they cost a server in memory.

Opens COUNT connections, sends one keep-alive `GET /healthz` on each and reads the whole response, then holds them
all open and idle for HOLD seconds and prints the server's resident memory (VmRSS of PID, from /proc) before and
with them open, the increase, and how many the server still kept open at the end.

    python3 bench/idle_conns.py --port 18080 --pid 12345 [--host 127.0.0.1] [--count 1000] [--hold 5]
"""
import argparse
import resource
import socket
import sys
import time


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def read_response(conn: socket.socket) -> bytes:
    """Reads one HTTP/1.1 response framed by Content-Length (what /healthz sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the end of the body")
        body += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError(f"unexpected response: {head.splitlines()[0]!r}")
    return body


def still_open(conn: socket.socket) -> bool:
    """True when the server has not closed the connection (nothing to read, no EOF)."""
    conn.setblocking(False)  # a socket with a timeout would wait for data before peeking
    try:
        return conn.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server process whose RSS is read")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=5.0, help="seconds to hold the connections idle")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.count + 64), hard))

    before = rss_kb(args.pid)
    conns = []
    request = f"GET /healthz HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n\r\n".encode()
    try:
        for _ in range(args.count):
            conn = socket.create_connection((args.host, args.port), timeout=10)
            conn.sendall(request)
            conns.append(conn)
        for conn in conns:
            read_response(conn)
        time.sleep(args.hold)
        during = rss_kb(args.pid)
        open_count = sum(1 for conn in conns if still_open(conn))
    except (OSError, ConnectionError) as error:
        print(f"idle connections: failed after {len(conns)} connections: {error}", file=sys.stderr)
        return 1
    finally:
        for conn in conns:
            conn.close()
    print(
        f"{args.count} idle keep-alive connections: RSS {before} kB -> {during} kB, increase {during - before} kB; "
        f"{open_count} still open after {args.hold:g} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
