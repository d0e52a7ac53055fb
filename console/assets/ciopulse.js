import { call } from "./api.js";
import { allowlistEditor } from "./allowlist.js";
import { action, enc, field, h, onSubmit, rerender, status, table, text } from "./dom.js";

// The CIOPulse-compatible contacts API: the portal code with its allowlist, and the API keys (a new key is shown once).
export function ciopulseSection(org, portal, keys) {
  const base = `/admin/v1/orgs/${enc(org)}/ciopulse`;
  const note = h("div");
  const allowlist = allowlistEditor("ciopulse-allowlist", "IP allowlist", portal?.ip_allowlist);
  const form = onSubmit(h("form", { id: "ciopulse-portal", "aria-label": "CIOPulse portal" },
    field("Client portal code", "portal_code", { value: portal?.portal_code ?? "", required: true }), allowlist.label,
    h("button", { type: "submit" }, "Save portal"), note), async (data) => {
    if (!allowlist.check()) return;
    const saved = await call("PUT", base, { portal_code: text(data, "portal_code") ?? "", ip_allowlist: allowlist.entries() });
    allowlist.show(saved.ip_allowlist);
    note.replaceChildren(status("CIOPulse portal saved."));
  });
  const secret = h("div", { id: "ciopulse-key-slot" });
  const create = action("Create API key", async () => {
    const created = await call("POST", `${base}/api-keys`);
    const copy = h("button", { type: "button", onclick: () => navigator.clipboard.writeText(created.api_key) }, "Copy");
    secret.replaceChildren(h("div", { class: "secret", id: "ciopulse-key", role: "status" },
      h("p", {}, `The new key (ending ${created.last_four}), shown only now:`), h("code", {}, created.api_key), " ", copy,
      h("p", {}, h("a", { href: `#/orgs/${enc(org)}/integrations`, onclick: () => rerender() }, "Done: show the list"))));
  }, { id: "create-ciopulse-key" });
  const rows = keys.map((key) => [`…${key.last_four}`, key.created_at, key.last_used_at ?? "never",
    key.revoked_at ? `revoked ${key.revoked_at}` : action("Revoke", async () => {
      await call("DELETE", `${base}/api-keys/${enc(key.id)}`);
      rerender();
    }, { question: `Revoke the key ending ${key.last_four}? It stops working at once.` })]);
  return [h("h2", {}, "CIOPulse contacts API"), form, h("h3", {}, "API keys"),
    table(["Key", "Created", "Last used", ""], rows, { id: "ciopulse-keys" }), create, secret];
}
