"""Opens N keep-alive connections, sends one GET /healthz on each, holds them idle, and prints the server's
RSS with them open (read from /proc/PID/status) and the increase over the RSS before they were opened.

    python3 bench/idle_conns.py HOST PORT N HOLD_SECONDS PID
"""
import socket
import sys
import time


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    host, port, count, hold, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    before = rss_kb(pid)
    sockets = []
    for _ in range(count):
        conn = socket.create_connection((host, port))
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
        sockets.append(conn)
    for conn in sockets:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"ok\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    time.sleep(hold)
    during = rss_kb(pid)
    print(f"idle connections: {count} open, RSS {during} kB, increase {during - before} kB")
    for conn in sockets:
        conn.close()


if __name__ == "__main__":
    main()
