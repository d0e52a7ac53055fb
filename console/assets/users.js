import { call } from "./api.js";
import { action, checkbox, choice, enc, field, h, more, onSubmit, rerender, status, table, text } from "./dom.js";

const ROLES = ["member", "admin", "owner"];

export async function usersPage(org, cursor) {
  const base = `/admin/v1/orgs/${enc(org)}/users`;
  const page = await call("GET", `${base}?limit=50` + (cursor ? `&cursor=${enc(cursor)}` : ""));
  const rows = page.items.map((user) => [
    h("a", { href: `#/orgs/${enc(org)}/users/${enc(user.id)}` }, user.email), user.display_name, user.role,
    user.active ? "active" : "disabled",
    action(user.active ? "Disable" : "Enable", async () => {
      await call("PATCH", `${base}/${enc(user.id)}`, { active: !user.active });
      rerender();
    }, { question: user.active ? `Disable ${user.email}? They can no longer send listener requests.` : null }),
  ]);
  const form = onSubmit(h("form", { id: "create-user" },
    field("Email", "email", { type: "email", required: true }), field("Display name", "display_name"),
    choice("Role", "role", ROLES, "member"), h("button", { type: "submit" }, "Add user")), async (data) => {
    const body = { email: text(data, "email") ?? "", role: data.get("role") };
    if (text(data, "display_name")) body.display_name = text(data, "display_name");
    await call("POST", base, body);
    rerender();
  });
  return [h("h1", {}, `Users of ${org}`), table(["Email", "Name", "Role", "State", ""], rows, { id: "users" }),
    more(page, `#/orgs/${enc(org)}/users`), h("h2", {}, "New user"), form];
}

export async function userPage(org, id) {
  const path = `/admin/v1/orgs/${enc(org)}/users/${enc(id)}`;
  const user = await call("GET", path);
  const saved = h("div");
  const form = onSubmit(h("form", { id: "edit-user" },
    field("Email", "email", { type: "email", value: user.email, required: true }),
    field("Display name", "display_name", { value: user.display_name }),
    choice("Role", "role", ROLES, user.role), checkbox("Active", "active", user.active),
    h("button", { type: "submit" }, "Save"), saved), async (data) => {
    await call("PATCH", path, { email: text(data, "email") ?? "", display_name: String(data.get("display_name") ?? ""),
      role: data.get("role"), active: data.get("active") === "on" });
    saved.replaceChildren(status("Saved."));
  });
  const remove = action("Delete user", async () => {
    await call("DELETE", path);
    location.hash = `#/orgs/${enc(org)}/users`;
  }, { question: `Delete ${user.email}? This cannot be undone.` });
  return [h("h1", {}, `User ${user.email}`), form, h("p", {}, remove),
    h("p", {}, h("a", { href: `#/orgs/${enc(org)}/users` }, "All users"))];
}
