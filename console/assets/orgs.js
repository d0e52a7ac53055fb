import { call } from "./api.js";
import { action, enc, field, h, more, onSubmit, rerender, table } from "./dom.js";

export async function orgsPage(cursor) {
  const page = await call("GET", "/admin/v1/orgs?limit=50" + (cursor ? `&cursor=${enc(cursor)}` : ""));
  const form = onSubmit(h("form", { id: "create-org" },
    field("Slug", "slug", { required: true }), field("Name", "name", { required: true }),
    field("Timezone", "timezone", { value: "UTC", required: true }), field("Owner email", "owner_email", { type: "email" }),
    h("button", { type: "submit" }, "Create org")), async (data) => {
    const body = { slug: data.get("slug"), name: data.get("name"), timezone: data.get("timezone") };
    if (data.get("owner_email")) body.owner = { email: data.get("owner_email") };
    await call("POST", "/admin/v1/orgs", body);
    rerender();
  });
  const rows = page.items.map((org) => {
    const next = org.status === "active" ? "suspended" : "active";
    const toggle = action(next === "suspended" ? "Suspend" : "Resume", async () => {
      await call("PATCH", `/admin/v1/orgs/${enc(org.slug)}`, { status: next });
      rerender();
    }, { question: next === "suspended" ? `Suspend ${org.slug}? Its APIs stop answering.` : null });
    return [h("a", { href: `#/orgs/${enc(org.slug)}/listeners` }, org.slug), org.name, org.status, toggle];
  });
  return [h("h1", {}, "Orgs"), table(["Slug", "Name", "Status", ""], rows), more(page, "#/orgs"),
    h("h2", {}, "New org"), form];
}
