import { call, credential, signIn } from "./api.js";
import { field, h, showProblem, table } from "./dom.js";

const enc = encodeURIComponent;

export function signInPage() {
  const form = h("form", { id: "sign-in-form" },
    field("Platform token or org admin API key", "token", { type: "password", required: true, autocomplete: "off" }),
    field("Org slug (for an org API key)", "org", { autocomplete: "off" }),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const org = String(data.get("org")).trim();
    signIn(String(data.get("token")).trim(), org);
    location.hash = org ? `#/orgs/${enc(org)}/listeners` : "#/orgs";
  });
  return [h("h1", {}, "Sign in"), h("p", {}, "The credential is kept in this tab only and forgotten at sign-out."), form];
}

export async function orgsPage(cursor) {
  const page = await call("GET", "/admin/v1/orgs?limit=50" + (cursor ? `&cursor=${enc(cursor)}` : ""));
  const form = h("form", { id: "create-org" },
    field("Slug", "slug", { required: true }), field("Name", "name", { required: true }),
    field("Timezone", "timezone", { value: "UTC", required: true }), field("Owner email", "owner_email", { type: "email" }),
    h("button", { type: "submit" }, "Create org"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { slug: data.get("slug"), name: data.get("name"), timezone: data.get("timezone") };
    if (data.get("owner_email")) body.owner = { email: data.get("owner_email") };
    try {
      await call("POST", "/admin/v1/orgs", body);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  const rows = page.items.map((org) => {
    const next = org.status === "active" ? "suspended" : "active";
    const toggle = h("button", { type: "button", onclick: async () => {
      if (next === "suspended" && !confirm(`Suspend ${org.slug}? Its APIs stop answering.`)) return;
      await call("PATCH", `/admin/v1/orgs/${enc(org.slug)}`, { status: next });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } }, next === "suspended" ? "Suspend" : "Resume");
    return [h("a", { href: `#/orgs/${enc(org.slug)}/listeners` }, org.slug), org.name, org.status, toggle];
  });
  return [h("h1", {}, "Orgs"), table(["Slug", "Name", "Status", ""], rows), more(page, "#/orgs"),
    h("h2", {}, "New org"), form];
}

export async function listenersPage(org) {
  const page = await call("GET", `/admin/v1/orgs/${enc(org)}/listeners?limit=200`);
  const secret = h("div", { id: "secret-slot" });
  const showSecret = (listener) => {
    const copy = h("button", { type: "button", onclick: () => navigator.clipboard.writeText(listener.url) }, "Copy");
    secret.replaceChildren(h("div", { class: "secret", id: "secret-url", role: "status" },
      h("p", {}, `The URL of "${listener.name}", shown only now:`), h("code", {}, listener.url), " ", copy));
  };
  const form = h("form", { id: "create-listener" }, field("Name", "name", { required: true }),
    h("button", { type: "submit" }, "Create listener"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await call("POST", `/admin/v1/orgs/${enc(org)}/listeners`, { name: new FormData(form).get("name") });
      await render();
      showSecret(created);
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  const list = h("div", { id: "listeners" });
  async function render() {
    const current = await call("GET", `/admin/v1/orgs/${enc(org)}/listeners?limit=200`);
    list.replaceChildren(listenerTable(current.items));
  }
  function listenerTable(items) {
    return table(["Name", "Token starts", "Enabled", "", "", ""], items.map((listener) => [
      listener.name, listener.token_prefix, listener.enabled ? "yes" : "no",
      h("button", { type: "button", onclick: async () => {
        if (!confirm(`Rotate the URL of "${listener.name}"? The old URL stops working at once.`)) return;
        showSecret(await call("POST", `/admin/v1/orgs/${enc(org)}/listeners/${enc(listener.id)}/rotate-token`));
      } }, "Rotate URL"),
      h("button", { type: "button", onclick: async () => {
        await call("PATCH", `/admin/v1/orgs/${enc(org)}/listeners/${enc(listener.id)}`, { enabled: !listener.enabled });
        await render();
      } }, listener.enabled ? "Disable" : "Enable"),
      h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(listener.id)}` }, "Request log"),
    ]));
  }
  list.replaceChildren(listenerTable(page.items));
  return [h("h1", {}, `Listeners of ${org}`), secret, list, h("h2", {}, "New listener"), form];
}

export async function requestsPage(org, query) {
  const listener = query.get("listener");
  const outcome = query.get("outcome");
  const cursor = query.get("cursor");
  const params = new URLSearchParams({ limit: "50" });
  if (listener) params.set("listener", listener);
  if (outcome) params.set("outcome", outcome);
  if (cursor) params.set("cursor", cursor);
  const page = await call("GET", `/admin/v1/orgs/${enc(org)}/listener-requests?${params}`);
  const rows = page.items.map((request) => [
    h("a", { href: `#/orgs/${enc(org)}/requests/${enc(request.id)}` }, request.received_at),
    request.listener_id, request.sender_user ?? "", request.status, request.outcome, `${request.item_count} / ${request.error_count}`]);
  const filter = new URLSearchParams();
  if (listener) filter.set("listener", listener);
  if (outcome) filter.set("outcome", outcome);
  const base = `#/orgs/${enc(org)}/requests?${filter}`;
  const choice = h("select", { name: "outcome", id: "outcome-filter", onchange: (event) => {
    filter.delete("outcome");
    if (event.target.value) filter.set("outcome", event.target.value);
    location.hash = `#/orgs/${enc(org)}/requests?${filter}`;
  } }, ["", "ok", "partial", "failed", "refused"].map((value) =>
    h("option", { value, selected: value === (outcome || "") }, value || "any")));
  return [h("h1", {}, `Request log of ${org}` + (listener ? `, listener ${listener}` : "")),
    h("label", {}, "Outcome", choice),
    table(["Received", "Listener", "Sender", "Status", "Outcome", "Items / errors"], rows), more(page, base)];
}

export async function requestPage(org, id) {
  const request = await call("GET", `/admin/v1/orgs/${enc(org)}/listener-requests/${enc(id)}`);
  const show = (json, text, base64) =>
    json !== undefined ? JSON.stringify(json, null, 2) : text !== undefined ? text : `(base64) ${base64 ?? ""}`;
  return [h("h1", {}, `Request ${request.id}`),
    h("p", {}, `${request.received_at} · status ${request.status} · ${request.outcome} · from ${request.client_address ?? "?"}`),
    h("div", { class: "side-by-side" },
      h("section", { "aria-label": "Request body" }, h("h2", {}, "Body"),
        h("pre", { id: "request-body" }, show(request.body, request.body_text, request.body_base64))),
      h("section", { "aria-label": "Per-item results" }, h("h2", {}, "Results"),
        h("pre", { id: "request-results" }, show(request.response, request.response_text, request.response_base64)))),
    h("p", {}, h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(request.listener_id)}` }, "Back to the log"))];
}

function more(page, base) {
  if (!page.next_cursor) return null;
  const join = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return h("p", {}, h("a", { href: `${base}${join}cursor=${enc(page.next_cursor)}` }, "Next page"));
}

export function navigation() {
  const current = credential();
  if (!current) return [];
  const links = [];
  if (!current.org) links.push(h("a", { href: "#/orgs" }, "Orgs"));
  const org = current.org || (location.hash.match(/^#\/orgs\/([^/?]+)/) || [])[1];
  if (org) {
    links.push(" ", h("a", { href: `#/orgs/${org}/listeners` }, "Listeners"));
    links.push(" ", h("a", { href: `#/orgs/${org}/requests` }, "Request log"));
  }
  return links;
}
