import { call } from "./api.js";
import { enc, field, h, onSubmit, table } from "./dom.js";

const SCAN_PAGES = 10;

// The audit API pages by cursor without filters, so the filters (kept in the URL) are applied here: pages of 200 are
// read until 50 records match or SCAN_PAGES pages were read; "Older" continues from where the scan stopped.
export async function auditPage(org, query) {
  const path = org ? `/admin/v1/orgs/${enc(org)}/audit` : "/admin/v1/audit";
  const here = org ? `#/orgs/${enc(org)}/audit` : "#/audit";
  const filters = { action: query.get("action") ?? "", actor: query.get("actor") ?? "", target: query.get("target") ?? "" };
  const matches = (record) => Object.entries(filters).every(([key, wanted]) =>
    !wanted || String(record[key] ?? "").toLowerCase().includes(wanted.toLowerCase()));
  const found = [];
  let cursor = query.get("cursor");
  let scanned = 0;
  for (let pages = 0; pages < SCAN_PAGES && found.length < 50; pages += 1) {
    const page = await call("GET", `${path}?limit=200` + (cursor ? `&cursor=${enc(cursor)}` : ""));
    scanned += page.items.length;
    found.push(...page.items.filter(matches));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const form = onSubmit(h("form", { id: "audit-filter" },
    field("Action contains", "action", { value: filters.action, placeholder: "listener." }),
    field("Actor contains", "actor", { value: filters.actor }), field("Target contains", "target", { value: filters.target }),
    h("button", { type: "submit" }, "Filter")), async (data) => {
    const next = new URLSearchParams();
    for (const key of Object.keys(filters)) if (String(data.get(key)).trim()) next.set(key, String(data.get(key)).trim());
    location.hash = `${here}?${next}`;
  });
  const rows = found.map((record) => [record.at, record.actor, record.action, record.target,
    h("code", {}, JSON.stringify(record.details)), record.client_address ?? ""]);
  const older = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
  if (cursor) older.set("cursor", cursor);
  return [h("h1", {}, org ? `Audit log of ${org}` : "Platform audit log"), form,
    h("p", { role: "status" }, `${found.length} matching of ${scanned} records read.`),
    table(["At", "Actor", "Action", "Target", "Details", "From"], rows, { id: "audit" }),
    cursor ? h("p", {}, h("a", { href: `${here}?${older}` }, "Older")) : null];
}
