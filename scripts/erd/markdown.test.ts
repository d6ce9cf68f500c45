import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, readInput } from "./generate";

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));

let md: string;
let mermaid: string;
beforeAll(async () => {
  // The journal path: snapshot plus migration SQL (FORCE, GRANT, COMMENT, role attributes).
  const input = await readInput({ drizzleDir: fixture("catalog"), cwd: fixture("catalog") });
  ({ markdown: md, mermaid } = generate(input.snapshot, input.source, input.sql));
});

function section(title: string): string {
  const start = md.indexOf(`\n### ${title}\n`);
  const end = md.indexOf("\n### ", start + 1);
  expect(start).toBeGreaterThan(-1);
  return md.slice(start, end === -1 ? undefined : end);
}

describe("renderMarkdown", () => {
  it("embeds the same diagram in a mermaid code block", () => {
    expect(md).toContain(`\`\`\`mermaid\n${mermaid.trimEnd()}\n\`\`\``);
  });

  it("writes a section per table with purpose, columns, keys, indexes, RLS and relationships", () => {
    const products = section("products 🔒");
    expect(products).toContain("**Purpose:** Things for sale; each row belongs to the account that listed it.");
    expect(products).toContain("| `status` | `status` (enum `status`) | NOT NULL | `'draft'` |  |");
    expect(products).toContain("| `price` — Price in euros, two decimals. | `numeric(10, 2)` | NOT NULL |  |  |");
    expect(products).toContain("| `tags` | `text[]` | null |  |  |");
    expect(products).toContain('- Check `chk_products_price_positive`: `"products"."price" > 0`');
    expect(products).toContain("- `ix_products_owner_id`: btree (`owner_id`)");
    expect(products).toContain("**Row-level security:** enabled and forced 🔒");
    expect(products).toContain("| `products_select_own` | SELECT | catalog_reader | PERMISSIVE |");
    expect(products).toContain(
      "**Grants:** catalog_editor (INSERT, SELECT, UPDATE (status, price)); catalog_reader (SELECT)",
    );
    expect(products).toContain("- many-to-many with **categories** through `product_categories`");
  });

  it("describes composite keys, one-to-one, optional and self relationships", () => {
    expect(section("product_categories")).toContain("- Primary key (composite): `product_id`, `category_id`");
    expect(section("product_categories")).toContain(
      "**Purpose:** Join table: links categories and products (many-to-many).",
    );
    expect(section("profiles")).toMatch(/- one-to-one with \*\*accounts\*\*: .*, required, on delete cascade/);
    expect(section("profiles")).toContain("| `id` | `integer` | NOT NULL | identity (ALWAYS) | PK |");
    expect(section("categories")).toMatch(
      /- many-to-one with \*\*categories\*\*, self-reference: .*optional \(nullable FK\)/,
    );
    expect(section("audit.placements")).toContain(
      "`audit.placements.(product_id, category_id) → product_categories.(product_id, category_id)`",
    );
  });

  it("lists enums and roles with attributes, memberships, privileges and policies", () => {
    expect(md).toContain("| `status` | `draft`, `published`, `archived` |");
    const roles = md.slice(md.indexOf("## Roles"));
    expect(roles).toContain(
      "### catalog_reader\n\n- Attributes: NOLOGIN, NOBYPASSRLS.\n- Granted to (may SET ROLE to it): catalog_login",
    );
    expect(roles).toContain("- Policies: products.products_select_own (SELECT)");
    expect(roles).toContain("### catalog_login\n\n- Attributes: LOGIN, NOINHERIT.");
  });

  it("marks tables without RLS and says when FORCE is missing", () => {
    expect(md).toContain("| [accounts](#table-public-accounts) | 2 | no | 0 |  |");
    expect(section("accounts")).toContain("**Row-level security:** disabled");
  });
});
