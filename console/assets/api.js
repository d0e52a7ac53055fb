// The admin and read APIs of this origin, with the credential held in this tab's sessionStorage only.
const KEY = "crmhub.console.credential";

export function credential() {
  const text = sessionStorage.getItem(KEY);
  return text ? JSON.parse(text) : null;
}

export function signIn(token, org) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, org: org || null }));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

// Whether the credential is an org API key (crmhub_ok_…), which the read API (/api/v1) takes; a platform token is not.
export function hasOrgKey() {
  const current = credential();
  return Boolean(current && current.token.startsWith("crmhub_ok_"));
}

// An API answer that is not 2xx: the problem document, with its per-field errors.
export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.errors = (body && body.errors) || [];
  }
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

// Any status is answered as {status, body}; only a 401 drops the credential and returns to sign-in.
// `authorize: false` sends no credential (a listener URL takes none).
export async function send(method, path, body, { authorize = true, raw = false } = {}) {
  const current = credential();
  const headers = { Accept: "application/json" };
  if (authorize && current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const payload = body === undefined ? undefined : raw ? body : JSON.stringify(body);
  const response = await fetch(path, { method, headers, body: payload });
  const parsed = parse(await response.text());
  if (response.status === 401 && authorize) {
    signOut();
    location.hash = "#/sign-in";
  }
  return { status: response.status, body: parsed };
}

export async function call(method, path, body) {
  const { status, body: parsed } = await send(method, path, body);
  if (status < 200 || status > 299) throw new Problem(status, parsed);
  return parsed;
}
