#!/usr/bin/env python3
"""Chaos under load against the local topology (deploy/local/up.sh), loopback only, bounded in time.

A steady mix goes through HAProxy (127.0.0.1:55400): listener add-contact singles and batches of three, each
contact with a unique email; CIOPulse contact PUTs (new system ids, and updates of ones created before); Sirportly
customer lookups of acknowledged emails; read-API lookups; and, through a second listener with welcome emails and
SMS, a few contacts a second whose messages go to a local SMTP sink (aiosmtpd) and SMS sink (an HTTP server).
One after another it then: SIGKILLs an instance and restarts it; restarts all three one by one (SIGTERM, drain,
start); SIGKILLs the instance whose delivery worker is in the middle of an SMTP send (the sink holds that message's
reply) and restarts it; makes pg_auto_failover switch over; SIGKILLs the primary's postmaster; restarts the
primary's PgBouncer; SIGSTOPs the primary (postmaster and backends) for 20 s. Afterwards it checks, against the
primary directly, that every 2xx-acknowledged contact (listener or CIOPulse) is stored exactly once, that no
customer code repeats, that every customer has its created history line, that every outbox message reached its
sink at least once with its message id, and that the message whose send was cut off was sent again only after the
lease (CRMHUB_DELIVERY_LEASE); and prints the figures.

    deploy/local/up.sh && bench/chaos/run.py [--phase-seconds 12] [--clients 6]

It needs aiosmtpd, which scripts/test.sh installs into .data/venv; run with another Python, it starts itself again
with that one.
"""
import argparse, asyncio, base64, http.client, http.server, json, os, random, signal, socket, subprocess, sys, threading, time, uuid

ROOT_FOR_VENV = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
try:
    from aiosmtpd.controller import Controller
except ImportError:
    venv = os.path.join(ROOT_FOR_VENV, ".data", "venv")
    if os.path.exists(venv + "/bin/python") and os.path.realpath(sys.prefix) != os.path.realpath(venv):
        os.execv(venv + "/bin/python", [venv + "/bin/python"] + sys.argv)
    sys.exit("chaos: needs aiosmtpd (run scripts/test.sh once, which installs it into .data/venv)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOPOLOGY = os.environ.get("CRMHUB_TOPOLOGY_DIR", os.path.join(ROOT, ".data", "topology"))
BALANCER = ("127.0.0.1", 55400)
NODE_PORTS = [55402, 55403]
BOUNCER_PORTS = [55412, 55413]
RUN = "chaos%d" % random.randint(100000, 999999)
LEASE = int(os.environ.get("CRMHUB_DELIVERY_LEASE", "20"))  # as deploy/local/instance.sh starts the instances


def request(method, path, body=None, headers=None, timeout=15, raw=None):
    connection = http.client.HTTPConnection(*BALANCER, timeout=timeout)
    try:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
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


class MailSink:
    """aiosmtpd on 127.0.0.1 recording each message's Message-ID and arrival. With `hold_next` set, the next
    message's reply is held for 8 s (longer than the instances' CRMHUB_DELIVERY_TIMEOUT), and `held` says which
    message and which client port, so that the instance sending it can be killed before it hears 250."""

    def __init__(self):
        self.received, self.lock = [], threading.Lock()
        self.hold_next, self.held_event, self.held = threading.Event(), threading.Event(), None
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                text = envelope.content.decode("utf-8", "replace") if isinstance(envelope.content, bytes) else envelope.content
                message_id = next((line.split(":", 1)[1].strip() for line in text.split("\r\n")
                                   if line.lower().startswith("message-id:")), None)
                with sink.lock:
                    sink.received.append((message_id, time.monotonic()))
                if sink.hold_next.is_set():  # one event loop: no other message passes between test and clear
                    sink.hold_next.clear()
                    sink.held = (message_id, session.peer[1])
                    sink.held_event.set()
                    await asyncio.sleep(8)
                return "250 2.0.0 Ok: queued"

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, auth_require_tls=False, ready_timeout=10)
        self.controller.start()


class SMSSink:
    """An HTTP server standing in for an SMS provider: records each request's Idempotency-Key and arrival."""

    def __init__(self):
        self.received, self.lock = [], threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink.lock:
                    sink.received.append((self.headers.get("Idempotency-Key"), time.monotonic()))
                    body = json.dumps({"sid": "SM%d" % len(sink.received)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Load:
    """Client threads; every request is recorded as (phase, kind, started, ended, status, emails, retry_after, extra)."""

    def __init__(self, org, clients):
        self.org = org
        self.records, self.lock, self.stop, self.phase = [], threading.Lock(), threading.Event(), "before"
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(clients)]
        self.threads.append(threading.Thread(target=self.welcomer, daemon=True))
        self.counter = 0
        self.acknowledged_emails, self.acknowledged_system_ids = [], []

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def send(self, kind, method, path, body=None, headers=None, raw=None, emails=(), extra=None):
        started = time.monotonic()
        try:
            status, _, retry_after = request(method, path, body, headers, raw=raw)
        except Exception as error:  # a hang past the timeout or a refused connection
            status, retry_after = "error:" + type(error).__name__, None
        with self.lock:
            self.records.append((self.phase, kind, started, time.monotonic(), status, list(emails), retry_after, extra))
            if isinstance(status, int) and 200 <= status < 300:
                if kind in ("single", "batch"):
                    self.acknowledged_emails.extend(emails)
                if kind == "ciopulse-new":
                    self.acknowledged_system_ids.append(extra[0])

    def listener_items(self, emails, phones=()):
        data = []
        for index, address in enumerate(emails):
            contact = {"name": "Chaos", "emails": [{"type": "Work", "value": address}]}
            if phones:
                contact["phones"] = [{"type": "Mobile", "value": phones[index]}]
            data.append({"actionType": "add-contact", "data": contact})
        return {"senderUser": "owner@%s.example" % RUN, "data": data}

    def client(self):
        org = self.org
        while not self.stop.is_set():
            roll = random.random()
            with self.lock:
                known_email = random.choice(self.acknowledged_emails) if self.acknowledged_emails else None
                known_system_id = random.choice(self.acknowledged_system_ids) if self.acknowledged_system_ids else None
            if roll < 0.08:
                self.send("read", "GET", "/api/v1/contacts?limit=5", headers={"Authorization": "Bearer " + org["read_key"]})
            elif roll < 0.18 and known_email:
                # A helpdesk asking for a customer that was acknowledged: 404 would mean a lost write.
                form = "type=email&data=" + known_email.replace("@", "%40")
                self.send("helpdesk", "POST", "/integrations/sirportly/" + RUN, raw=form.encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, extra=(known_email,))
            elif roll < 0.28:
                system_id = uuid.uuid4().hex
                address = "%s-cio-%d@chaos.example" % (RUN, self.next_id())
                self.send("ciopulse-new", "PUT", "/api/v5/contacts/" + system_id, headers=org["ciopulse_auth"],
                          body={"first_name": "Cio", "last_name": "Chaos", "email": address}, extra=(system_id, address))
            elif roll < 0.33 and known_system_id:
                self.send("ciopulse-update", "PUT", "/api/v5/contacts/" + known_system_id, headers=org["ciopulse_auth"],
                          body={"job_title": "title %d" % self.next_id()}, extra=(known_system_id,))
            else:
                count = 3 if roll < 0.50 else 1
                emails = ["%s-%d@chaos.example" % (RUN, self.next_id()) for _ in range(count)]
                self.send("batch" if count == 3 else "single", "POST", org["listener"], self.listener_items(emails), emails=emails)

    def welcomer(self):
        """About four contacts a second through the welcome listener: each queues a welcome email and SMS."""
        while not self.stop.is_set():
            number = self.next_id()
            emails = ["%s-w%d@chaos.example" % (RUN, number)]
            self.send("welcome", "POST", self.org["welcome_listener"], self.listener_items(emails, ["+8490%07d" % number]),
                      emails=emails)
            time.sleep(0.25)

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


def formation_stable():
    """Both nodes report what the monitor assigned them: one primary, one secondary."""
    output = as_postgres("/usr/bin/pg_autoctl", "show", "state", "--pgdata", TOPOLOGY + "/monitor").stdout
    states = []
    for line in output.splitlines():
        columns = [column.strip() for column in line.split("|")]
        if len(columns) >= 7 and columns[0].startswith("node"):
            states.append((columns[5], columns[6]))
    return sorted(states) == [("primary", "primary"), ("secondary", "secondary")]


def wait_stable(seconds=120):
    """Each database fault starts from a settled formation, not in the middle of the previous one's recovery."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not formation_stable():
        time.sleep(1)


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


def setup(token, mail, sms):
    auth = {"Authorization": "Bearer " + token}

    def admin(method, path, body=None, expect=(200, 201)):
        status, answer, _ = request(method, "/admin/v1/orgs" + path, body, auth)
        assert status in expect, (path, status, answer)
        return json.loads(answer) if answer else None

    admin("POST", "", {"slug": RUN, "name": RUN, "owner": {"email": "owner@%s.example" % RUN}})
    org = {"listener": admin("POST", "/%s/listeners" % RUN, {"name": "chaos", "ip_allowlist": ["127.0.0.1/32"]})["url_path"]}
    org["welcome_listener"] = admin("POST", "/%s/listeners" % RUN, {
        "name": "welcome", "ip_allowlist": ["127.0.0.1/32"],
        "welcome_email": {"enabled": True, "from": "hello@chaos.example", "subject": "Welcome {{name}}",
                          "body": "Hello {{fullname}}, your code is {{customerId}}."},
        "welcome_sms": {"enabled": True, "body": "Hi {{name}}, welcome!"}})["url_path"]
    org["read_key"] = admin("POST", "/%s/api-keys" % RUN, {"name": "chaos", "scopes": ["read"]})["key"]
    admin("PUT", "/%s/delivery/smtp" % RUN, {"host": "127.0.0.1", "port": mail.port, "security": "none",
                                               "from_address": "crm@chaos.example"})
    admin("PUT", "/%s/delivery/sms" % RUN, {"url": "http://127.0.0.1:%d/sms" % sms.port, "auth": "none",
                                              "body_template": '{"to":"{phone}","text":"{text}","ref":"{message_id}"}'})
    admin("PUT", "/%s/ciopulse" % RUN, {"portal_code": RUN, "ip_allowlist": []})
    key = admin("POST", "/%s/ciopulse/api-keys" % RUN)["api_key"]
    org["ciopulse_auth"] = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (RUN, key)).encode()).decode()}
    admin("PUT", "/%s/integrations/sirportly" % RUN, {"enabled": True, "ip_allowlist": ["127.0.0.1/32"]})
    return org


def instance_sending_to(client_port):
    """The instance (1–3) whose process holds the client end of a connection from `client_port`."""
    lines = subprocess.run(["ss", "-Htnp", "state", "established", "( sport = :%d )" % client_port],
                           capture_output=True, text=True).stdout
    for n in (1, 2, 3):
        try:
            if "pid=%d," % read_pid("%s/crmhub-%d.pid" % (TOPOLOGY, n)) in lines:
                return n
        except (OSError, ValueError):
            pass
    return None


def kill_sending_worker(mail, cut_off):
    """Holds the SMTP reply to the next message and SIGKILLs the instance sending it, then starts it again."""
    mail.held_event.clear()
    mail.hold_next.set()
    if not mail.held_event.wait(20):
        print("chaos: no email was sent within 20 s; nothing cut off", flush=True)
        return
    message_id, port = mail.held
    n = instance_sending_to(port)
    if n is None:
        print("chaos: no instance holds the SMTP connection from port %d" % port, flush=True)
        return
    instance("kill", n)
    cut_off.update(message_id=message_id, instance=n, killed_at=time.monotonic())
    instance("start", n)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase-seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=6)
    arguments = parser.parse_args()
    if not wait_ready(10):
        sys.exit("chaos: nothing answers on 127.0.0.1:55400; run deploy/local/up.sh first")
    token = open(TOPOLOGY + "/admin-token").read().strip()
    mail, sms = MailSink(), SMSSink()
    load = Load(setup(token, mail, sms), arguments.clients)
    load.start()
    timeline, cut_off = [], {}

    def phase(name, action, settle=False):
        if settle:
            load.phase = "settling"  # not counted in any phase
            wait_stable()
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
    phase("kill-worker-mid-send", lambda: kill_sending_worker(mail, cut_off))
    phase("switchover", lambda: as_postgres("/usr/bin/pg_autoctl", "perform", "switchover", "--pgdata", TOPOLOGY + "/monitor"),
          settle=True)
    phase("kill-primary", lambda: os.kill(postmaster(primary_index()), signal.SIGKILL), settle=True)
    phase("pgbouncer-restart", lambda: restart_bouncer(primary_index()), settle=True)
    phase("sigstop-primary-20s", lambda: stop_primary(20), settle=True)
    phase("after", lambda: None)
    load.stop.set()
    for thread in load.threads:
        thread.join(30)
    failures = report(load, timeline)
    failures += report_delivery(mail, sms, cut_off)
    mail.controller.stop()
    sms.server.shutdown()
    sys.exit(1 if failures else 0)


def org_query(sql):
    """Rows of `sql` (which may use {org}, this run's org id) on the primary, as lists of columns."""
    primary = NODE_PORTS[primary_index()]
    text = psql(primary, sql.replace("{org}", "(SELECT id FROM orgs WHERE slug = '%s')" % RUN)).stdout
    return [line.split("|") for line in text.split("\n") if line]


def report(load, timeline):
    records = load.records
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
    by_kind = {}
    for r in records:
        total, ok = by_kind.get(r[1], (0, 0))
        by_kind[r[1]] = (total + 1, ok + (1 if isinstance(r[4], int) and 200 <= r[4] < 300 else 0))
    print("by kind (requests, 2xx): %s" % by_kind)
    hung = [r for r in records if r[3] - r[2] > 14]
    acknowledged = [e for r in records if isinstance(r[4], int) and 200 <= r[4] < 300 for e in r[5]]
    counts = dict(org_query("""SELECT e->>'value', count(*) FROM customers c, jsonb_array_elements(c.emails) e
        WHERE c.org_id = {org} GROUP BY 1"""))
    counts = {e: n for e, n in counts.items() if "-cio-" not in e}  # listener contacts only
    lost = [e for e in acknowledged if e not in counts]
    doubled = [e for e, n in counts.items() if int(n) > 1]
    codes = org_query("SELECT count(*) - count(DISTINCT code) FROM customers WHERE org_id = {org}")[0][0]
    no_history = org_query("""SELECT count(*) FROM customers c WHERE c.org_id = {org}
        AND NOT EXISTS (SELECT 1 FROM customer_history h WHERE h.org_id = c.org_id AND h.customer_id = c.id
        AND h.event = 'created')""")[0][0]
    system_ids = dict(org_query("SELECT system_id, count(*) FROM customers WHERE org_id = {org} AND system_id IS NOT NULL GROUP BY 1"))
    created = [r[7][0] for r in records if r[1] == "ciopulse-new" and isinstance(r[4], int) and 200 <= r[4] < 300]
    cio_lost = [s for s in created if s not in system_ids]
    cio_doubled = [s for s, n in system_ids.items() if int(n) > 1]
    lookups_missing = [r for r in records if r[1] == "helpdesk" and r[4] == 404]
    print("\nlistener contacts acknowledged %d, stored %d; acknowledged writes lost: %d; stored twice: %d; duplicate codes: %s;"
          " customers without a created history line: %s; requests slower than 14 s: %d"
          % (len(acknowledged), len(counts), len(lost), len(doubled), codes, no_history, len(hung)))
    print("CIOPulse contacts acknowledged as created %d: lost %d, stored twice %d; helpdesk lookups of acknowledged"
          " emails answered 404: %d" % (len(created), len(cio_lost), len(cio_doubled), len(lookups_missing)))
    statuses_5xx = {}
    for r in records:
        if isinstance(r[4], int) and r[4] >= 500:
            statuses_5xx[(r[4], r[6] is not None)] = statuses_5xx.get((r[4], r[6] is not None), 0) + 1
    print("5xx answers (status, had Retry-After): %s" % statuses_5xx)
    return len(lost) + len(doubled) + int(codes) + int(no_history) + len(cio_lost) + len(cio_doubled) + len(lookups_missing)


def report_delivery(mail, sms, cut_off):
    """Waits for the outbox to drain, then checks every message against what the sinks received."""
    deadline = time.monotonic() + LEASE + 60
    while time.monotonic() < deadline:
        pending = org_query("SELECT count(*) FROM outbox WHERE org_id = {org} AND status IN ('queued', 'sending')")
        if pending and pending[0][0] == "0":
            break
        time.sleep(1)
    rows = org_query("SELECT id, channel, status, org_id FROM outbox WHERE org_id = {org}")
    with mail.lock, sms.lock:
        received = [(m, t) for m, t in mail.received] + [(k, t) for k, t in sms.received]
    arrivals = {}
    for key, at in received:
        # Email: <outbox-ORG-ID@crmhub.local>; SMS: outbox-ORG-ID.
        arrivals.setdefault((key or "").strip("<>").split("@")[0], []).append(at)
    keys = {"outbox-%s-%s" % (org, id): (channel, status) for id, channel, status, org in rows}
    undelivered = [k for k in keys if k not in arrivals]
    unknown = [k for k in arrivals if k not in keys]
    not_sent = [k for k, (_, status) in keys.items() if status != "sent"]
    twice = {k: len(v) for k, v in arrivals.items() if len(v) > 1}
    print("\noutbox messages %d (%d emails, %d SMS): delivered %d, not delivered %d, not 'sent' %d, delivered more"
          " than once %d, deliveries with an unknown id %d"
          % (len(keys), sum(1 for c, _ in keys.values() if c == "email"), sum(1 for c, _ in keys.values() if c == "sms"),
             len(keys) - len(undelivered), len(undelivered), len(not_sent), len(twice), len(unknown)))
    failures = len(undelivered) + len(unknown) + len(not_sent)
    if cut_off:
        key = (cut_off["message_id"] or "").strip("<>").split("@")[0]
        times = sorted(arrivals.get(key, []))
        later = [t - cut_off["killed_at"] for t in times if t > cut_off["killed_at"]]
        # The lease runs from the claim: the abandoned attempt's start; the next claim is the next attempt's start.
        claims = org_query("""SELECT extract(epoch FROM started_at) FROM outbox_attempts
            WHERE org_id = %s AND outbox_id = %s ORDER BY attempt""" % tuple(key.split("-")[1:3]))
        gap = float(claims[1][0]) - float(claims[0][0]) if len(claims) >= 2 else None
        print("cut off mid-send: %s in instance %d; reached the sink %d times, again %s s after the SIGKILL; claimed again"
              " %s s after its first claim (lease %d s)" % (key, cut_off["instance"], len(times),
              ", ".join("%.1f" % t for t in later) or "never", "%.1f" % gap if gap is not None else "never", LEASE))
        if not later or gap is None or gap < LEASE:
            failures += 1
    else:
        print("cut off mid-send: nothing was cut off")
        failures += 1
    return failures


if __name__ == "__main__":
    main()
