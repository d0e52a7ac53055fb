#!/usr/bin/env python3
"""Chaos under load against the local topology (deploy/local/up.sh), loopback only, bounded in time.

A steady mix goes through HAProxy (127.0.0.1:55400): listener add-contact singles and batches of three, each
contact with a unique email, and read-API lookups. One after another it then: SIGKILLs an instance and restarts
it; restarts all three one by one (SIGTERM, drain, start); makes pg_auto_failover switch over; SIGKILLs the
primary's postmaster; restarts the primary's PgBouncer; SIGSTOPs the primary (postmaster and backends) for 20 s.
Afterwards it checks, against the primary directly, that every 2xx-acknowledged contact is stored exactly once,
that no customer code repeats and that every customer has its created history line, and prints the figures.

    deploy/local/up.sh && bench/chaos/run.py [--phase-seconds 12] [--clients 6]
"""
import argparse, http.client, json, os, random, signal, subprocess, sys, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOPOLOGY = os.environ.get("CRMHUB_TOPOLOGY_DIR", os.path.join(ROOT, ".data", "topology"))
BALANCER = ("127.0.0.1", 55400)
NODE_PORTS = [55402, 55403]
BOUNCER_PORTS = [55412, 55413]
RUN = "chaos%d" % random.randint(100000, 999999)


def request(method, path, body=None, headers=None, timeout=15):
    connection = http.client.HTTPConnection(*BALANCER, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Retry-After")
    finally:
        connection.close()


def psql(port, sql):
    # Row-level security: read as the request role with the platform flag, as the server's platform queries do.
    command = ["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "crmhub_owner", "-d", "crmhub",
               "-c", "SET role crmhub_app", "-c", "SET crmhub.platform = 'on'", "-c", sql]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def primary_index():
    for index, port in enumerate(NODE_PORTS):
        try:
            if psql(port, "SELECT pg_is_in_recovery()").stdout.strip() == "f":
                return index
        except subprocess.TimeoutExpired:
            pass
    return None


def as_postgres(*command):
    prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    env = dict(os.environ, XDG_CONFIG_HOME=TOPOLOGY + "/xdg/config", XDG_DATA_HOME=TOPOLOGY + "/xdg/data",
               XDG_RUNTIME_DIR=TOPOLOGY + "/xdg/run")
    return subprocess.run(prefix + ["env", "XDG_CONFIG_HOME=" + env["XDG_CONFIG_HOME"], "XDG_DATA_HOME=" + env["XDG_DATA_HOME"],
                                    "XDG_RUNTIME_DIR=" + env["XDG_RUNTIME_DIR"]] + list(command),
                          capture_output=True, text=True, timeout=120)


class Load:
    """Client threads; every request is recorded as (phase, kind, started, ended, status, emails)."""

    def __init__(self, listener_path, read_key, clients):
        self.listener_path, self.read_key = listener_path, read_key
        self.records, self.lock, self.stop, self.phase = [], threading.Lock(), threading.Event(), "before"
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients)]
        self.counter = 0

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def client(self, number):
        while not self.stop.is_set():
            roll = random.random()
            emails, kind = [], "single"
            if roll < 0.15:
                kind = "read"
                path, body, headers, method = "/api/v1/contacts?limit=5", None, {"Authorization": "Bearer " + self.read_key}, "GET"
            else:
                count = 3 if roll < 0.35 else 1
                kind = "batch" if count == 3 else "single"
                emails = ["%s-%d@chaos.example" % (RUN, self.next_id()) for _ in range(count)]
                data = [{"actionType": "add-contact", "data": {"name": "Chaos", "emails": [{"type": "Work", "value": e}]}} for e in emails]
                path, body, headers, method = self.listener_path, {"senderUser": "owner@%s.example" % RUN, "data": data}, {}, "POST"
            started = time.monotonic()
            try:
                status, _, retry_after = request(method, path, body, headers)
            except Exception as error:  # a hang past the timeout or a refused connection
                status, retry_after = "error:" + type(error).__name__, None
            with self.lock:
                self.records.append((self.phase, kind, started, time.monotonic(), status, emails, retry_after))

    def start(self):
        for thread in self.threads:
            thread.start()


def wait_ready(seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if request("GET", "/readyz", timeout=2)[0] == 200:
                return True
        except Exception:
            pass
        time.sleep(0.5)
    return False


def instance(command, n):
    subprocess.run([ROOT + "/deploy/local/instance.sh", command, str(n)], check=True, timeout=120)


def read_pid(path):
    with open(path) as handle:
        return int(handle.readline().strip())


def restart_bouncer(index):
    pidfile = "%s/pgbouncer%d.pid" % (TOPOLOGY, index + 1)
    os.kill(read_pid(pidfile), signal.SIGKILL)
    time.sleep(0.5)
    with open("%s/pgbouncer%d.log" % (TOPOLOGY, index + 1), "a") as log:
        process = subprocess.Popen(["/usr/sbin/pgbouncer", "%s/pgbouncer%d.ini" % (TOPOLOGY, index + 1)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    with open(pidfile, "w") as handle:
        handle.write("%d\n" % process.pid)


def postmaster(index):
    return read_pid("%s/node%d/postmaster.pid" % (TOPOLOGY, index + 1))


def stop_primary(seconds):
    index = primary_index()
    parent = postmaster(index)
    children = [int(p) for p in subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()]
    for pid in [parent] + children:
        os.kill(pid, signal.SIGSTOP)
    time.sleep(seconds)
    for pid in [parent] + children:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def setup(token):
    auth = {"Authorization": "Bearer " + token}
    status, body, _ = request("POST", "/admin/v1/orgs", {"slug": RUN, "name": RUN, "owner": {"email": "owner@%s.example" % RUN}}, auth)
    assert status == 201, body
    status, body, _ = request("POST", "/admin/v1/orgs/%s/listeners" % RUN, {"name": "chaos", "ip_allowlist": ["127.0.0.1/32"]}, auth)
    assert status == 201, body
    listener = json.loads(body)["url_path"]
    status, body, _ = request("POST", "/admin/v1/orgs/%s/api-keys" % RUN, {"name": "chaos", "scopes": ["read"]}, auth)
    assert status == 201, body
    return listener, json.loads(body)["key"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase-seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=6)
    arguments = parser.parse_args()
    if not wait_ready(10):
        sys.exit("chaos: nothing answers on 127.0.0.1:55400; run deploy/local/up.sh first")
    token = open(TOPOLOGY + "/admin-token").read().strip()
    listener, key = setup(token)
    load = Load(listener, key, arguments.clients)
    load.start()
    timeline = []

    def phase(name, action):
        load.phase = name
        began = time.monotonic()
        action()
        # Let the system settle inside the phase, then a quiet stretch is counted as the next "before".
        time.sleep(arguments.phase_seconds)
        timeline.append((name, began, time.monotonic()))
        print("chaos: %-22s done in %5.1f s" % (name, time.monotonic() - began), flush=True)

    phase("before", lambda: None)
    phase("kill-instance", lambda: (instance("kill", 2), instance("start", 2)))
    phase("rolling-restart", lambda: [(instance("stop", n), instance("start", n)) for n in (1, 2, 3)])
    phase("switchover", lambda: as_postgres("/usr/bin/pg_autoctl", "perform", "switchover", "--pgdata", TOPOLOGY + "/monitor"))
    phase("kill-primary", lambda: os.kill(postmaster(primary_index()), signal.SIGKILL))
    phase("pgbouncer-restart", lambda: restart_bouncer(primary_index()))
    phase("sigstop-primary-20s", lambda: stop_primary(20))
    phase("after", lambda: None)
    load.stop.set()
    for thread in load.threads:
        thread.join(30)
    report(load.records, timeline)


def report(records, timeline):
    primary = NODE_PORTS[primary_index()]
    print("\n%-22s %8s %8s %8s %10s %12s %s" % ("phase", "requests", "2xx", "failed", "req/s", "error window", "failures"))
    for name, began, ended in timeline:
        rows = [r for r in records if r[0] == name]
        failed = [r for r in rows if not (isinstance(r[4], int) and 200 <= r[4] < 300)]
        window = (max(r[3] for r in failed) - min(r[2] for r in failed)) if failed else 0.0
        kinds = {}
        for r in failed:
            kinds[str(r[4])] = kinds.get(str(r[4]), 0) + 1
        print("%-22s %8d %8d %8d %10.1f %11.1fs %s" % (name, len(rows), len(rows) - len(failed), len(failed),
              len(rows) / max(0.1, ended - began), window, kinds or ""))
    hung = [r for r in records if r[3] - r[2] > 14]
    acknowledged = [e for r in records if isinstance(r[4], int) and 200 <= r[4] < 300 for e in r[5]]
    stored = psql(primary, """SELECT e->>'value', count(*) FROM customers c, jsonb_array_elements(c.emails) e
        WHERE c.org_id = (SELECT id FROM orgs WHERE slug = '%s') GROUP BY 1""" % RUN).stdout.split("\n")
    counts = dict(line.split("|") for line in stored if "|" in line)
    lost = [e for e in acknowledged if e not in counts]
    doubled = [e for e, n in counts.items() if int(n) > 1]
    codes = psql(primary, """SELECT count(*) - count(DISTINCT code) FROM customers
        WHERE org_id = (SELECT id FROM orgs WHERE slug = '%s')""" % RUN).stdout.strip()
    no_history = psql(primary, """SELECT count(*) FROM customers c WHERE c.org_id = (SELECT id FROM orgs WHERE slug = '%s')
        AND NOT EXISTS (SELECT 1 FROM customer_history h WHERE h.org_id = c.org_id AND h.customer_id = c.id
        AND h.event = 'created')""" % RUN).stdout.strip()
    print("\nacknowledged contacts %d, stored %d; acknowledged writes lost: %d; stored twice: %d; duplicate codes: %s;"
          " customers without a created history line: %s; requests slower than 14 s: %d"
          % (len(acknowledged), len(counts), len(lost), len(doubled), codes, no_history, len(hung)))
    statuses_5xx = {}
    for r in records:
        if isinstance(r[4], int) and r[4] >= 500:
            statuses_5xx[(r[4], r[6] is not None)] = statuses_5xx.get((r[4], r[6] is not None), 0) + 1
    print("5xx answers (status, had Retry-After): %s" % statuses_5xx)
    sys.exit(1 if lost or doubled or codes != "0" or no_history != "0" else 0)


if __name__ == "__main__":
    main()
