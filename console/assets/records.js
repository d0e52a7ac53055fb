import { hasOrgKey, call } from "./api.js";
import { choice, enc, field, h, more, onSubmit, showProblem, table } from "./dom.js";

const KINDS = [["contacts", "Contacts and accounts"], ["leads", "Leads"], ["companies", "Companies"]];

function unavailable(org) {
  return [h("h1", {}, `Records of ${org}`),
    h("p", { id: "records-unavailable", role: "status" }, "Record search uses the read API (/api/v1), which takes an org API "
      + "key with the read scope; a platform token cannot read an org's records. Sign in with an org API key (and its "
      + "org's slug) to search contacts, leads and companies.")];
}

// Search by name (prefix), email or phone; the query is in the URL.
export async function recordsPage(org, query) {
  if (!hasOrgKey()) return unavailable(org);
  const kind = KINDS.some(([k]) => k === query.get("kind")) ? query.get("kind") : "contacts";
  const terms = new URLSearchParams();
  for (const name of ["q", "email", "phone"]) if (query.get(name)) terms.set(name, query.get(name));
  const here = `#/orgs/${enc(org)}/records`;
  const form = onSubmit(h("form", { id: "record-search" }, choice("Kind", "kind", KINDS, kind),
    field("Name starts with", "q", { value: terms.get("q") ?? "" }), field("Email", "email", { value: terms.get("email") ?? "" }),
    field("Phone", "phone", { value: terms.get("phone") ?? "" }), h("button", { type: "submit" }, "Search")), async (data) => {
    const next = new URLSearchParams({ kind: data.get("kind") });
    for (const name of ["q", "email", "phone"]) if (String(data.get(name)).trim()) next.set(name, String(data.get(name)).trim());
    location.hash = `${here}?${next}`;
  });
  const content = [h("h1", {}, `Records of ${org}`), form];
  if ([...terms.keys()].length === 0) return content.concat(h("p", {}, "Enter a name, an email or a phone."));
  const params = new URLSearchParams(terms);
  params.set("limit", "50");
  if (query.get("cursor")) params.set("cursor", query.get("cursor"));
  try {
    const page = await call("GET", `/api/v1/${kind}?${params}`);
    const rows = page.items.map((record) => [
      h("a", { href: `${here}/${kind}/${enc(record.code)}` }, record.code), [record.name, record.lastname].filter(Boolean).join(" "),
      record.emails.map((e) => e.value).join(", "), record.phones.map((p) => p.value).join(", "), record.updated_at]);
    terms.set("kind", kind);
    return content.concat(table(["Code", "Name", "Emails", "Phones", "Updated"], rows, { id: "records" }),
      more(page, `${here}?${terms}`));
  } catch (problem) {
    if (problem.status !== 422) throw problem;
    showProblem(form, problem);
    return content;
  }
}

export async function recordPage(org, kind, code) {
  if (!hasOrgKey()) return unavailable(org);
  const [record, history] = await Promise.all([call("GET", `/api/v1/${kind}/${enc(code)}`),
    call("GET", `/api/v1/${kind}/${enc(code)}/history?limit=100`)]);
  const facts = [["Code", record.code], ["Type", record.type], ["Name", [record.name, record.lastname].filter(Boolean).join(" ")],
    ["Title", record.title ?? ""], ["Emails", record.emails.map((e) => e.value).join(", ")],
    ["Phones", record.phones.map((p) => p.value).join(", ")], ["Tags", record.tags.join(", ")], ["Channel", record.channel ?? ""],
    ["Company", record.company_id ?? ""], ["Created", record.created_at], ["Updated", record.updated_at]];
  const rows = history.items.map((line) => [line.at, line.event,
    line.listener_request_id ? h("a", { href: `#/orgs/${enc(org)}/requests/${enc(line.listener_request_id)}` },
      `request ${line.listener_request_id}`) : "",
    h("code", {}, JSON.stringify(line.detail))]);
  return [h("h1", {}, `${record.code} ${record.name}`),
    h("dl", { id: "record" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("h2", {}, "History"), table(["At", "Event", "Listener request", "Detail"], rows, { id: "history" }),
    history.next_cursor ? h("p", {}, "Older history exists beyond the 100 lines shown.") : null];
}
