import { call, send } from "./api.js";
import { allowlistEditor } from "./allowlist.js";
import { area, checkbox, choice, clearProblems, enc, field, h, onSubmit, showProblem, status, text } from "./dom.js";

// Secret URLs shown in this tab since the page was loaded (memory only), to fill the test-request form.
const shownURLs = new Map();
export function rememberURL(id, url) {
  shownURLs.set(String(id), url);
}

// A sample from the listener document (crm-listener-webhook.txt, 2.2.1 add-contact), sent as `sender`.
export function sampleRequest(sender) {
  const stamp = Date.now().toString(36);
  return JSON.stringify({
    senderUser: sender,
    data: [{ actionType: "add-contact", data: {
      contactType: "customer", type: 0, name: "Huy", lastname: "Nguyen", title: "This is title", gender: 1,
      emails: [{ value: `huy.nguyen+${stamp}@htklabs.com` }], phones: [{ value: "01234567890" }],
      addresses: [{ street: "58 Ton That Dam", city: "Da Nang", state: "Thanh Khe", zip: "5100000", country: "VN" }],
      websites: [{ value: "htk-inc.com" }], permit: { status: 1 }, im: [{ protocol: "Facebook", value: "Huy Nguyen Viet" }],
    } }],
  }, null, 2);
}

export async function listenerPage(org, id) {
  const base = `/admin/v1/orgs/${enc(org)}/listeners/${enc(id)}`;
  const [listener, channels, tags, users] = await Promise.all([
    call("GET", base), call("GET", `/admin/v1/orgs/${enc(org)}/catalogs/channels`),
    call("GET", `/admin/v1/orgs/${enc(org)}/catalogs/tags`), call("GET", `/admin/v1/orgs/${enc(org)}/users?limit=200`)]);
  const names = (catalog) => catalog.items.map((item) => item.name);
  const withCurrent = (list, value) => (value && !list.includes(value) ? list.concat([value]) : list);
  const allowlist = allowlistEditor("ip-allowlist", "IP allowlist", listener.ip_allowlist);
  const saved = h("div", { id: "settings-saved" });
  const form = h("form", { id: "listener-settings", novalidate: true },
    field("Name", "name", { value: listener.name, required: true }),
    allowlist.label,
    choice("Default tag", "default_tag", withCurrent(names(tags), listener.default_tag), listener.default_tag, { empty: "(none)" }),
    choice("Default contact/account channel", "default_contact_channel",
      withCurrent(names(channels), listener.default_contact_channel), listener.default_contact_channel, { empty: "(none)" }),
    choice("Default lead channel", "default_lead_channel",
      withCurrent(names(channels), listener.default_lead_channel), listener.default_lead_channel, { empty: "(none)" }),
    field("Rate limit per minute (empty: the server's default)", "rate_limit_per_minute",
      { type: "number", min: 1, value: listener.rate_limit_per_minute ?? "" }),
    h("fieldset", {}, h("legend", {}, "Welcome email to new customers"),
      checkbox("Send a welcome email", "welcome_email.enabled", listener.welcome_email.enabled),
      field("From", "welcome_email.from", { type: "email", value: listener.welcome_email.from ?? "" }),
      field("Subject", "welcome_email.subject", { value: listener.welcome_email.subject ?? "" }),
      area("Body ({{name}}, {{lastname}} … are filled in)", "welcome_email.body", listener.welcome_email.body)),
    h("fieldset", {}, h("legend", {}, "Welcome SMS to new customers"),
      checkbox("Send a welcome SMS", "welcome_sms.enabled", listener.welcome_sms.enabled),
      area("Text", "welcome_sms.body", listener.welcome_sms.body)),
    h("button", { type: "submit" }, "Save settings"), saved);
  onSubmit(form, async (data) => {
    saved.replaceChildren();
    if (!allowlist.check()) return;
    const rate = text(data, "rate_limit_per_minute");
    const body = {
      name: text(data, "name") ?? "", ip_allowlist: allowlist.entries(),
      default_tag: text(data, "default_tag"), default_contact_channel: text(data, "default_contact_channel"),
      default_lead_channel: text(data, "default_lead_channel"), rate_limit_per_minute: rate === null ? null : Number(rate),
      welcome_email: { enabled: data.get("welcome_email.enabled") === "on", from: text(data, "welcome_email.from"),
        subject: text(data, "welcome_email.subject"), body: text(data, "welcome_email.body") },
      welcome_sms: { enabled: data.get("welcome_sms.enabled") === "on", body: text(data, "welcome_sms.body") },
    };
    const updated = await call("PATCH", base, body);
    allowlist.show(updated.ip_allowlist);
    saved.replaceChildren(status(`Saved at ${new Date().toLocaleTimeString()}.`));
  });
  const sender = (users.items.find((user) => user.active) || users.items[0] || {}).email || "";
  return [h("h1", {}, `Listener ${listener.name}`),
    h("p", {}, `Token starts ${listener.token_prefix} · ${listener.enabled ? "enabled" : "disabled"} · `,
      h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(id)}` }, "Request log")),
    form, h("h2", {}, "Send a test request"), testRequestForm(org, listener, sender)];
}

// Posts a sample to the listener URL. The secret URL is shown only when it is created or rotated, so the user pastes
// it (or it is filled from this tab's memory); only URLs of this origin are sent, with no credential.
function testRequestForm(org, listener, sender) {
  const result = h("div", { id: "test-result" });
  const form = h("form", { id: "test-request" },
    h("p", { class: "wide" }, "The listener's URL is shown only when it is created or rotated: paste it here."),
    field("Listener URL", "url", { value: shownURLs.get(String(listener.id)) ?? "", required: true, class: "wide-input", autocomplete: "off" }),
    area("Request body (a sample from the listener document)", "body", sampleRequest(sender), { rows: 12, class: "code" }),
    h("button", { type: "submit" }, "Send test request"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems(form);
    result.replaceChildren();
    const data = new FormData(form);
    let url;
    try {
      url = new URL(String(data.get("url")).trim(), location.origin);
    } catch {
      url = null;
    }
    if (!url || url.origin !== location.origin || !url.pathname.startsWith("/l/")) {
      showProblem(form, { errors: [{ field: "url", message: `must be a listener URL of ${location.origin} (…/l/…)` }] });
      return;
    }
    try {
      JSON.parse(String(data.get("body")));
    } catch (error) {
      showProblem(form, { errors: [{ field: "body", message: `is not JSON: ${error.message}` }] });
      return;
    }
    const answer = await send("POST", url.pathname, String(data.get("body")), { authorize: false, raw: true });
    result.replaceChildren(h("p", { role: "status" }, `The listener answered ${answer.status}. `,
      h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(listener.id)}` }, "See it in the request log")),
      h("pre", { id: "test-answer" }, typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2)));
  });
  return form;
}
