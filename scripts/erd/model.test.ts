import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel, type Model, type Relationship } from "./model";
import { loadSnapshot } from "./snapshot";

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));

let catalog: Model;
let hand: Model;
beforeAll(async () => {
  catalog = buildModel(await loadSnapshot(fixture("catalog/meta/0001_snapshot.json")));
  hand = buildModel(await loadSnapshot(fixture("hand/cardinality.json")));
});

const rel = (model: Model, name: string): Relationship => {
  const found = model.relationships.find((r) => r.name === name);
  if (!found) throw new Error(`no relationship ${name}`);
  return found;
};
const entity = (model: Model, key: string) => {
  const found = model.entities.find((e) => e.key === key);
  if (!found) throw new Error(`no entity ${key}`);
  return found;
};
const keysOf = (model: Model, key: string) =>
  Object.fromEntries(entity(model, key).columns.map((c) => [c.name, c.keys]));

describe("buildModel", () => {
  it("keeps every table, sorted by schema-qualified name", () => {
    expect(catalog.entities.map((e) => e.key)).toEqual([
      "audit.placements",
      "public.accounts",
      "public.categories",
      "public.product_categories",
      "public.products",
      "public.profiles",
    ]);
  });

  it("marks PK, FK and UK columns, composite keys on each of their columns", () => {
    expect(keysOf(catalog, "public.product_categories")).toEqual({
      product_id: ["PK", "FK"],
      category_id: ["PK", "FK"],
      position: [],
    });
    expect(keysOf(catalog, "public.accounts")).toEqual({ id: ["PK"], email: ["UK"] });
    expect(keysOf(catalog, "public.profiles")).toEqual({ id: ["PK"], account_id: ["FK", "UK"], bio: [] });
    expect(entity(catalog, "public.product_categories").primaryKey?.columns).toEqual(["product_id", "category_id"]);
  });

  it("does not treat a partial unique index or a composite unique as a column key", () => {
    expect(keysOf(hand, "public.people")).toEqual({ id: ["PK"], email: ["UK"], nickname: [] });
    expect(keysOf(catalog, "public.categories").name).toEqual([]);
  });

  it("draws a required FK as one-to-many", () => {
    expect(rel(catalog, "products_owner_id_accounts_id_fk")).toMatchObject({
      parent: "public.accounts",
      child: "public.products",
      cardinality: "one-to-many",
      optional: false,
      identifying: false,
    });
  });

  it("draws a unique FK as one-to-one, optional when nullable", () => {
    expect(rel(catalog, "profiles_account_id_accounts_id_fk")).toMatchObject({
      cardinality: "one-to-one",
      optional: false,
    });
    expect(rel(hand, "fk_passports_person_id")).toMatchObject({ cardinality: "one-to-one", optional: true });
    expect(rel(hand, "fk_badges_person_id")).toMatchObject({ cardinality: "one-to-one", identifying: true });
  });

  it("keeps self-references and composite foreign keys", () => {
    expect(rel(catalog, "categories_parent_id_categories_id_fk")).toMatchObject({
      parent: "public.categories",
      child: "public.categories",
      optional: true,
      onDelete: "set null",
    });
    expect(rel(catalog, "fk_placements_product_category")).toMatchObject({
      parent: "public.product_categories",
      child: "audit.placements",
      columns: ["product_id", "category_id"],
      parentColumns: ["product_id", "category_id"],
    });
  });

  it("finds many-to-many join tables, including a self many-to-many", () => {
    expect(catalog.manyToMany).toEqual([
      {
        join: "public.product_categories",
        left: "public.categories",
        right: "public.products",
        via: ["fk_pc_category", "fk_pc_product"],
      },
    ]);
    expect(hand.manyToMany.map((m) => [m.join, m.left, m.right])).toEqual([
      ["public.friendships", "public.people", "public.people"],
    ]);
  });

  it("shows enums, RLS and the roles that policies name", () => {
    const status = entity(catalog, "public.products").columns.find((c) => c.name === "status");
    expect(status).toMatchObject({ enumKey: "public.status", default: "'draft'", notNull: true });
    expect(catalog.enums.map((e) => e.key)).toEqual(["public.status"]);
    expect(entity(catalog, "public.products").rls.enabled).toBe(true);
    expect(entity(catalog, "public.products").rls.policies.map((p) => [p.name, p.for, p.to])).toEqual([
      ["products_all_editor", "ALL", ["catalog_editor"]],
      ["products_select_own", "SELECT", ["catalog_reader"]],
    ]);
    // catalog_reader is `.existing()`: not in the snapshot's roles, found through its policy.
    expect(catalog.roles.map((r) => [r.name, r.declared])).toEqual([
      ["catalog_editor", true],
      ["catalog_reader", false],
    ]);
  });

  it("reads identity and generated columns", () => {
    expect(entity(catalog, "public.profiles").columns[0]).toMatchObject({ name: "id", identity: "ALWAYS" });
  });
});
