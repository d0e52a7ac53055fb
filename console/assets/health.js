import { send } from "./api.js";
import { h, table } from "./dom.js";

// Prometheus text: [{name, labels, value}] (comments skipped).
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

const sum = (samples, name, where = () => true) =>
  samples.filter((s) => s.name === name && where(s.labels)).reduce((total, s) => total + s.value, 0);

// The request-duration quantile over every route, from the summed histogram buckets (upper bound of its bucket).
function quantile(samples, q) {
  const buckets = new Map();
  for (const s of samples.filter((s) => s.name === "crmhub_http_request_duration_seconds_bucket")) {
    buckets.set(s.labels.le, (buckets.get(s.labels.le) || 0) + s.value);
  }
  const ordered = [...buckets.entries()].map(([le, count]) => [le === "+Inf" ? Infinity : Number(le), count])
    .sort((a, b) => a[0] - b[0]);
  const total = ordered.length ? ordered[ordered.length - 1][1] : 0;
  if (total === 0) return "no requests yet";
  const bound = ordered.find(([, count]) => count >= q * total)[0];
  return bound === Infinity ? "above the largest bucket" : `≤ ${bound * 1000} ms`;
}

// /readyz and /metrics of the instance that answered (behind a load balancer each load may reach another one).
export async function healthPage() {
  const [ready, metrics] = await Promise.all([send("GET", "/readyz", undefined, { authorize: false }),
    send("GET", "/metrics", undefined, { authorize: false })]);
  const readiness = ready.body && ready.body.status ? ready.body : { status: `HTTP ${ready.status}` };
  const samples = metrics.status === 200 && typeof metrics.body === "string" ? parseMetrics(metrics.body) : [];
  const byClass = (digit) => sum(samples, "crmhub_http_requests_total", (l) => String(l.status || "").startsWith(digit));
  const rows = [
    ["Requests answered 2xx / 4xx / 5xx", `${byClass("2")} / ${byClass("4")} / ${byClass("5")}`],
    ["Request latency p50 / p99 (all routes)", `${quantile(samples, 0.5)} / ${quantile(samples, 0.99)}`],
    ["Requests in flight", sum(samples, "crmhub_http_requests_in_flight")],
    ["Open connections", sum(samples, "crmhub_http_open_connections")],
    ["Refused connections", sum(samples, "crmhub_http_refused_connections_total")],
    ["Protocol errors", sum(samples, "crmhub_http_protocol_errors_total")],
    ["Database pool in use / idle / waiting", ["in_use", "idle", "waiting"]
      .map((state) => sum(samples, "crmhub_db_pool_connections", (l) => l.state === state)).join(" / ")],
    ["Listener requests", sum(samples, "crmhub_listener_requests_total")],
    ["Outbox sent / failed / retries", ["crmhub_outbox_sent_total", "crmhub_outbox_failed_total", "crmhub_outbox_retries_total"]
      .map((name) => sum(samples, name)).join(" / ")],
    ["Outbox queue depth", sum(samples, "crmhub_outbox_queue_depth")],
  ];
  return [h("h1", {}, "Health"),
    h("p", { id: "readiness", class: readiness.status === "ready" ? "ok" : "error", role: "status" },
      `Readiness: ${readiness.status}` + (readiness.reason ? ` (${readiness.reason})` : "")),
    h("p", {}, "Figures of the instance that answered this page, since it started (/metrics)."),
    metrics.status === 200 ? table(["Figure", "Value"], rows, { id: "metrics" }) : h("p", { class: "error" }, `/metrics answered ${metrics.status}`)];
}
