import { call } from "./api.js";
import { action, choice, enc, h, more, rerender, table } from "./dom.js";

const STATUSES = ["queued", "sending", "sent", "retrying", "failed"];

export async function outboxPage(org, query) {
  const filter = new URLSearchParams();
  for (const name of ["status", "channel"]) if (query.get(name)) filter.set(name, query.get(name));
  const params = new URLSearchParams(filter);
  params.set("limit", "50");
  if (query.get("cursor")) params.set("cursor", query.get("cursor"));
  const page = await call("GET", `/admin/v1/orgs/${enc(org)}/outbox?${params}`);
  const here = `#/orgs/${enc(org)}/outbox`;
  const filters = h("form", { id: "outbox-filter" },
    choice("Status", "status", STATUSES, filter.get("status"), { empty: "any", id: "outbox-status" }),
    choice("Channel", "channel", ["email", "sms"], filter.get("channel"), { empty: "any" }));
  filters.addEventListener("change", () => {
    const data = new FormData(filters);
    const next = new URLSearchParams();
    for (const name of ["status", "channel"]) if (data.get(name)) next.set(name, data.get(name));
    location.hash = `${here}?${next}`;
  });
  const rows = page.items.map((message) => [
    h("a", { href: `${here}/${enc(message.id)}` }, message.created_at), message.channel, message.reason, message.recipient,
    message.status, message.attempts, message.last_error ?? ""]);
  return [h("h1", {}, `Outbox of ${org}`), filters,
    table(["Created", "Channel", "Reason", "To", "Status", "Attempts", "Last error"], rows, { id: "outbox" }),
    more(page, `${here}?${filter}`),
    h("p", {}, "Retrying messages are retried by the server on its schedule; a failed message can be given one more attempt from its page.")];
}

export async function outboxMessagePage(org, id) {
  const message = await call("GET", `/admin/v1/orgs/${enc(org)}/outbox/${enc(id)}`);
  const attempts = (message.attempt_history || []).map((attempt) => [attempt.attempt, attempt.started_at, attempt.outcome,
    attempt.error ?? "", attempt.provider_message_id ?? ""]);
  return [h("h1", {}, `Outbox message ${message.id}`),
    h("dl", { id: "outbox-message" }, [["Status", message.status], ["Channel", message.channel], ["Reason", message.reason],
      ["To", message.recipient], ["From", message.sender ?? ""], ["Subject", message.subject ?? ""],
      ["Next attempt", message.next_attempt_at ?? ""], ["Sent", message.sent_at ?? ""], ["Last error", message.last_error ?? ""]]
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    message.status === "failed" ? action("Retry now", async () => {
      await call("POST", `/admin/v1/orgs/${enc(org)}/outbox/${enc(id)}/retry`);
      rerender();
    }, { question: "Give this failed message one more attempt now?", id: "outbox-retry" }) : null,
    h("h2", {}, "Body"), h("pre", {}, message.body),
    h("h2", {}, "Attempts"), table(["#", "Started", "Outcome", "Error", "Provider id"], attempts, { id: "attempts" }),
    h("p", {}, h("a", { href: `#/orgs/${enc(org)}/outbox` }, "Back to the outbox"))];
}
