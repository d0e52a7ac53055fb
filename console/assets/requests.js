import { call, send } from "./api.js";
import { choice, enc, field, h, more, onSubmit, showProblem, table } from "./dom.js";

// The URL keeps the filters: listener, outcome, from and to (RFC 3339 date-times or dates, sent as received_since
// and received_before).
export async function requestsPage(org, query) {
  const filter = new URLSearchParams();
  for (const name of ["listener", "outcome", "from", "to"]) if (query.get(name)) filter.set(name, query.get(name));
  const params = new URLSearchParams({ limit: "50" });
  if (filter.get("listener")) params.set("listener", filter.get("listener"));
  if (filter.get("outcome")) params.set("outcome", filter.get("outcome"));
  if (filter.get("from")) params.set("received_since", filter.get("from"));
  if (filter.get("to")) params.set("received_before", filter.get("to"));
  if (query.get("cursor")) params.set("cursor", query.get("cursor"));
  const here = `#/orgs/${enc(org)}/requests`;
  const form = h("form", { id: "request-filter" },
    choice("Outcome", "outcome", ["ok", "partial", "failed", "refused"], filter.get("outcome"), { empty: "any", id: "outcome-filter" }),
    field("From (date or RFC 3339 time, UTC)", "received_since", { value: filter.get("from") ?? "", placeholder: "2026-12-01T00:00:00Z" }),
    field("To (before)", "received_before", { value: filter.get("to") ?? "", placeholder: "2026-12-02" }),
    h("button", { type: "submit" }, "Filter"));
  const apply = (data) => {
    const next = new URLSearchParams();
    if (filter.get("listener")) next.set("listener", filter.get("listener"));
    for (const [key, name] of [["outcome", "outcome"], ["from", "received_since"], ["to", "received_before"]]) {
      const value = String(data.get(name) ?? "").trim();
      if (value) next.set(key, value);
    }
    location.hash = `${here}?${next}`;
  };
  onSubmit(form, async (data) => apply(data));
  form.querySelector("select").addEventListener("change", () => apply(new FormData(form)));
  let page = { items: [], next_cursor: null };
  let problem = null;
  try {
    page = await call("GET", `/admin/v1/orgs/${enc(org)}/listener-requests?${params}`);
  } catch (error) {
    if (error.status !== 422) throw error;
    problem = error;
  }
  const rows = page.items.map((request) => [
    h("a", { href: `#/orgs/${enc(org)}/requests/${enc(request.id)}` }, request.received_at),
    request.listener_id, request.sender_user ?? "", request.status, request.outcome,
    `${request.item_count} / ${request.error_count}`, request.replay_of ? `replay of ${request.replay_of}` : ""]);
  const content = [h("h1", {}, `Request log of ${org}` + (filter.get("listener") ? `, listener ${filter.get("listener")}` : "")),
    form, table(["Received", "Listener", "Sender", "Status", "Outcome", "Items / errors", ""], rows, { id: "request-log" }),
    more(page, `${here}?${filter}`)];
  if (problem) showProblem(form, problem);
  return content;
}

const show = (json, text, base64) =>
  json !== undefined ? JSON.stringify(json, null, 2) : text !== undefined ? text : `(base64) ${base64 ?? ""}`;

export async function requestPage(org, id) {
  const request = await call("GET", `/admin/v1/orgs/${enc(org)}/listener-requests/${enc(id)}`);
  const replayed = h("section", { id: "replay-result", "aria-live": "polite" });
  const replay = h("button", { type: "button", id: "replay" }, "Replay");
  replay.addEventListener("click", async () => {
    if (!confirm("Replay this request? Its body runs through the listener again: records may be created or updated.")) return;
    const answer = await send("POST", `/admin/v1/orgs/${enc(org)}/listener-requests/${enc(id)}/replay`);
    const log = await call("GET", `/admin/v1/orgs/${enc(org)}/listener-requests?listener=${enc(request.listener_id)}&limit=50`);
    const replays = log.items.filter((item) => item.replay_of === request.id);
    replayed.replaceChildren(h("h2", {}, "Replay"),
      h("p", { role: "status" }, `The listener answered ${answer.status} to the replay.`),
      h("pre", { id: "replay-answer" }, typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2)),
      h("h3", {}, "Replays of this request"),
      table(["Received", "Status", "Outcome"], replays.map((item) => [
        h("a", { href: `#/orgs/${enc(org)}/requests/${enc(item.id)}` }, item.received_at), item.status, item.outcome])));
  });
  const dry = h("button", { type: "button", id: "replay-dry" }, "Dry run");
  dry.addEventListener("click", async () => {
    const answer = await send("POST", `/admin/v1/orgs/${enc(org)}/listener-requests/${enc(id)}/replay?dry_run=true`);
    replayed.replaceChildren(h("h2", {}, "Dry run"),
      h("p", { role: "status" }, `The listener would answer ${answer.status}; nothing was written or logged.`),
      h("pre", { id: "replay-answer" }, typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2)));
  });
  return [h("h1", {}, `Request ${request.id}`),
    h("p", {}, `${request.received_at} · status ${request.status} · ${request.outcome} · from ${request.client_address ?? "?"}`,
      request.replay_of ? ` · replay of ` : "",
      request.replay_of ? h("a", { href: `#/orgs/${enc(org)}/requests/${enc(request.replay_of)}` }, request.replay_of) : ""),
    h("div", { class: "side-by-side" },
      h("section", { "aria-label": "Request body" }, h("h2", {}, "Body"),
        h("pre", { id: "request-body" }, show(request.body, request.body_text, request.body_base64))),
      h("section", { "aria-label": "Per-item results" }, h("h2", {}, "Results"),
        h("pre", { id: "request-results" }, show(request.response, request.response_text, request.response_base64)))),
    h("p", {}, replay, " ", dry,
      " A replay runs for real, and is logged and audited; a dry run shows the outcomes it would have and writes nothing."),
    replayed,
    h("p", {}, h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(request.listener_id)}` }, "Back to the log"))];
}
