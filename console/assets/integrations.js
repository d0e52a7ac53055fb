import { call } from "./api.js";
import { allowlistEditor } from "./allowlist.js";
import { ciopulseSection } from "./ciopulse.js";
import { action, area, checkbox, choice, enc, field, h, onSubmit, rerender, status, text } from "./dom.js";

// Settings not saved yet answer 404: shown as an empty form.
export async function load(path) {
  try {
    return await call("GET", path);
  } catch (problem) {
    if (problem.status === 404) return null;
    throw problem;
  }
}

function saved(where, message) {
  where.replaceChildren(status(message));
}

function smtpForm(org, smtp) {
  const path = `/admin/v1/orgs/${enc(org)}/delivery/smtp`;
  const note = h("div");
  const s = smtp ?? {};
  const form = onSubmit(h("form", { id: "smtp-settings", "aria-label": "SMTP settings" },
    field("Host", "host", { value: s.host ?? "", required: true }), field("Port", "port", { type: "number", value: s.port ?? "" }),
    choice("Security", "security", ["starttls", "tls", "none"], s.security ?? "starttls"),
    field("User name", "username", { value: s.username ?? "", autocomplete: "off" }),
    field(s.password_set ? "Password (set; empty keeps it)" : "Password", "password", { type: "password", autocomplete: "new-password" }),
    field("From address", "from_address", { type: "email", value: s.from_address ?? "", required: true }),
    field("From name", "from_name", { value: s.from_name ?? "" }), field("Reply-To", "reply_to", { type: "email", value: s.reply_to ?? "" }),
    h("button", { type: "submit" }, "Save SMTP settings"), note), async (data) => {
    const body = { host: text(data, "host") ?? "", security: data.get("security"), from_address: text(data, "from_address") ?? "",
      username: text(data, "username"), from_name: text(data, "from_name"), reply_to: text(data, "reply_to") };
    if (text(data, "port")) body.port = Number(data.get("port"));
    if (text(data, "password")) body.password = String(data.get("password"));
    await call("PUT", path, body);
    saved(note, "SMTP settings saved.");
  });
  const remove = smtp ? action("Remove SMTP settings", async () => {
    await call("DELETE", path);
    rerender();
  }, { question: "Remove the SMTP settings? Welcome emails wait until new ones are saved." }) : null;
  return [h("h2", {}, "Email delivery (SMTP)"), form, remove];
}

function smsForm(org, sms) {
  const path = `/admin/v1/orgs/${enc(org)}/delivery/sms`;
  const note = h("div");
  const s = sms ?? {};
  const form = onSubmit(h("form", { id: "sms-settings", "aria-label": "SMS settings" },
    choice("Provider", "provider", ["http", "twilio"], s.provider ?? "http"), field("URL", "url", { value: s.url ?? "" }),
    choice("Method", "method", ["POST", "PUT"], s.method ?? "POST"),
    field("Content type", "content_type", { value: s.content_type ?? "application/json" }),
    area("Body template ({phone}, {text}, {from}, {message_id})", "body_template", s.body_template ?? ""),
    choice("Authentication", "auth", ["none", "header", "basic"], s.auth ?? "none"),
    field("Auth header", "auth_header", { value: s.auth_header ?? "" }), field("User name", "username", { value: s.username ?? "" }),
    field("Twilio account SID", "account_sid", { value: s.account_sid ?? "" }), field("From", "from", { value: s.from ?? "" }),
    field(s.secret_set ? "Secret (set; empty keeps it)" : "Secret", "secret", { type: "password", autocomplete: "new-password" }),
    h("button", { type: "submit" }, "Save SMS settings"), note), async (data) => {
    const body = { provider: data.get("provider"), method: data.get("method"), auth: data.get("auth") };
    for (const name of ["url", "content_type", "body_template", "auth_header", "username", "account_sid", "from"]) {
      if (text(data, name)) body[name] = String(data.get(name));
    }
    if (text(data, "secret")) body.secret = String(data.get("secret"));
    await call("PUT", path, body);
    saved(note, "SMS settings saved.");
  });
  const remove = sms ? action("Remove SMS settings", async () => {
    await call("DELETE", path);
    rerender();
  }, { question: "Remove the SMS settings? Welcome SMS wait until new ones are saved." }) : null;
  return [h("h2", {}, "SMS delivery"), form, remove];
}

function deliveryTestForm(org) {
  const result = h("div", { id: "delivery-test-result" });
  const form = onSubmit(h("form", { id: "delivery-test", "aria-label": "Delivery test" },
    choice("Channel", "channel", ["email", "sms"], "email"), field("To (email or phone)", "to", { required: true }),
    field("Subject", "subject", { value: "CRMHub delivery test" }), field("Text", "body", { value: "A test from the CRMHub console." }),
    h("button", { type: "submit" }, "Send delivery test"), result), async (data) => {
    const answer = await call("POST", `/admin/v1/orgs/${enc(org)}/delivery/test`, {
      channel: data.get("channel"), to: text(data, "to") ?? "", subject: String(data.get("subject")), body: String(data.get("body")) });
    result.replaceChildren(status(`Delivery test: ${answer.outcome}` + (answer.error ? ` (${answer.error})` : "")
      + (answer.provider_message_id ? `, provider id ${answer.provider_message_id}` : "")));
  });
  return [h("h2", {}, "Delivery test"), h("p", {}, "Sends now with the saved settings; nothing is queued."), form];
}

const HELPDESKS = [
  ["sirportly", "Sirportly customer data source", "HTTP Basic user name and password (optional)"],
  ["spicecsm", "SpiceCSM web calls", "intUser / intPass (both required)"],
  ["smartertrack", "SmarterTrack external providers", "AuthPW (the password; no user name)"],
];

function helpdeskForm(org, kind, title, credentials, settings) {
  const path = `/admin/v1/orgs/${enc(org)}/integrations/${kind}`;
  const note = h("div");
  const s = settings ?? { enabled: false, ip_allowlist: [] };
  const allowlist = allowlistEditor(`${kind}-allowlist`, "IP allowlist", s.ip_allowlist);
  const form = onSubmit(h("form", { id: `integration-${kind}`, "aria-label": title },
    h("p", { class: "wide" }, `${s.enabled ? "Enabled" : "Disabled"}` + (s.updated_at ? `, saved ${s.updated_at}` : ", not saved yet")
      + `. Credentials: ${credentials}.`),
    checkbox("Enabled", "enabled", s.enabled),
    kind === "smartertrack" ? null : field("User name", "username", { value: s.username ?? "", autocomplete: "off" }),
    field(s.password_set ? "Password (set; empty keeps it)" : "Password", "password", { type: "password", autocomplete: "new-password" }),
    allowlist.label,
    kind === "sirportly" ? checkbox("Public (no credentials and no allowlist)", "public", s.public) : null,
    h("button", { type: "submit" }, "Save"), note), async (data) => {
    if (!allowlist.check()) return;
    const body = { enabled: data.get("enabled") === "on", ip_allowlist: allowlist.entries() };
    if (kind !== "smartertrack") body.username = text(data, "username");
    if (text(data, "password")) body.password = String(data.get("password"));
    if (kind === "sirportly") body.public = data.get("public") === "on";
    await call("PUT", path, body);
    saved(note, `${title} saved.`);
  });
  return [h("h3", {}, title), form];
}

export async function integrationsPage(org) {
  const base = `/admin/v1/orgs/${enc(org)}`;
  const [smtp, sms, portal, keys, ...helpdesks] = await Promise.all([load(`${base}/delivery/smtp`), load(`${base}/delivery/sms`),
    load(`${base}/ciopulse`), call("GET", `${base}/ciopulse/api-keys`),
    ...HELPDESKS.map(([kind]) => load(`${base}/integrations/${kind}`))]);
  return [h("h1", {}, `Integrations of ${org}`), smtpForm(org, smtp), smsForm(org, sms), deliveryTestForm(org),
    ciopulseSection(org, portal, keys.items), h("h2", {}, "Helpdesk integrations"),
    HELPDESKS.map(([kind, title, credentials], index) => helpdeskForm(org, kind, title, credentials, helpdesks[index]))];
}
