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

// An API answer that is not 2xx: the problem document, with its per-field errors.
export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.errors = (body && body.errors) || [];
  }
}

// A 401 drops the credential and returns to sign-in.
export async function call(method, path, body) {
  const current = credential();
  const headers = { Accept: "application/json" };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    signOut();
    location.hash = "#/sign-in";
  }
  if (!response.ok) throw new Problem(response.status, parsed);
  return parsed;
}
