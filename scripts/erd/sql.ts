// drizzle-kit's snapshot knows policies and ENABLE ROW LEVEL SECURITY, but FORCE, role attributes,
// memberships, GRANTs and COMMENTs live in hand-written migrations. We read only those few statement
// shapes; anything we do not recognise is left out of the docs rather than guessed.

export interface RoleFacts {
  attributes: string[];
  /** Roles granted membership of this role (GRANT this TO them). */
  grantedTo: string[];
}

export interface SqlFacts {
  roles: Map<string, RoleFacts>;
  /** Qualified table keys ("public.items") with FORCE ROW LEVEL SECURITY. */
  forcedRls: Set<string>;
  /** Table key -> role -> privileges. */
  tableGrants: Map<string, Map<string, Set<string>>>;
  tableComments: Map<string, string>;
  /** "public.items.title" -> comment. */
  columnComments: Map<string, string>;
}

const ROLE_ATTRIBUTES = new Set([
  "LOGIN",
  "NOLOGIN",
  "INHERIT",
  "NOINHERIT",
  "BYPASSRLS",
  "NOBYPASSRLS",
  "SUPERUSER",
  "NOSUPERUSER",
  "CREATEDB",
  "NOCREATEDB",
  "CREATEROLE",
  "NOCREATEROLE",
]);

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

export function emptySqlFacts(): SqlFacts {
  return {
    roles: new Map(),
    forcedRls: new Set(),
    tableGrants: new Map(),
    tableComments: new Map(),
    columnComments: new Map(),
  };
}

function unquote(identifier: string): string {
  const trimmed = identifier.trim();
  return trimmed.startsWith('"') ? trimmed.slice(1, -1).replace(/""/g, '"') : trimmed.toLowerCase();
}

function splitQualified(name: string): string[] {
  return (name.match(new RegExp(IDENT, "g")) ?? []).map(unquote);
}

/** "items" -> "public.items", matching the snapshot's table keys. */
export function tableKey(name: string): string {
  const parts = splitQualified(name);
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : `public.${parts[0] ?? ""}`;
}

function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ");
}

function roleFacts(facts: SqlFacts, name: string): RoleFacts {
  let role = facts.roles.get(name);
  if (!role) {
    role = { attributes: [], grantedTo: [] };
    facts.roles.set(name, role);
  }
  return role;
}

function addUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** Splits on `separator` outside single quotes and parentheses: "SELECT, UPDATE (a, b)" -> 2 parts. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function list(text: string): string[] {
  return splitTopLevel(text, ",")
    .map((part) => part.trim())
    .filter(Boolean);
}

type Reader = [RegExp, (m: RegExpMatchArray, facts: SqlFacts) => void];

// First match wins, so the GRANT ... ON form is tried before role membership (GRANT role TO role).
const READERS: Reader[] = [
  [
    new RegExp(`^CREATE ROLE (${IDENT})(?: WITH)?((?: [A-Z]+)*)$`, "i"),
    (m, facts) => {
      const role = roleFacts(facts, unquote(m[1] ?? ""));
      for (const word of (m[2] ?? "").trim().split(" ")) {
        const attribute = word.toUpperCase();
        if (ROLE_ATTRIBUTES.has(attribute)) addUnique(role.attributes, attribute);
      }
    },
  ],
  [
    new RegExp(`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(${QUALIFIED}) (NO )?FORCE ROW LEVEL SECURITY$`, "i"),
    (m, facts) => {
      const key = tableKey(m[1] ?? "");
      if (m[2]) facts.forcedRls.delete(key);
      else facts.forcedRls.add(key);
    },
  ],
  [
    /^GRANT (.+?) ON (?:TABLE )?(.+?) TO (.+?)(?: WITH GRANT OPTION)?$/i,
    (m, facts) => {
      const target = m[2] ?? "";
      if (/^(ALL (TABLES|SEQUENCES|FUNCTIONS)|SEQUENCE|FUNCTION|SCHEMA|DATABASE)\b/i.test(target)) return;
      // Column privileges keep their column list: "UPDATE (email, full_name)".
      const privileges = list(m[1] ?? "").map((p) =>
        p
          .replace(/^\w+/, (word) => word.toUpperCase())
          .replace(/\s*\(\s*/, " (")
          .replace(/\s*,\s*/g, ", "),
      );
      for (const table of list(target)) {
        const key = tableKey(table);
        const byRole = facts.tableGrants.get(key) ?? new Map<string, Set<string>>();
        facts.tableGrants.set(key, byRole);
        for (const grantee of list(m[3] ?? "")) {
          const role = unquote(grantee);
          const set = byRole.get(role) ?? new Set<string>();
          for (const privilege of privileges) set.add(privilege);
          byRole.set(role, set);
        }
      }
    },
  ],
  [
    /^GRANT ([^;]+?) TO ([^;]+?)(?: WITH (?:ADMIN|INHERIT|SET) \w+)?$/i,
    (m, facts) => {
      for (const granted of list(m[1] ?? "")) {
        const role = roleFacts(facts, unquote(granted));
        for (const grantee of list(m[2] ?? "")) addUnique(role.grantedTo, unquote(grantee));
      }
    },
  ],
  [
    new RegExp(String.raw`^COMMENT ON (TABLE|COLUMN) (${QUALIFIED}(?:\s*\.\s*${IDENT})?) IS '((?:[^']|'')*)'$`, "i"),
    (m, facts) => {
      const text = (m[3] ?? "").replace(/''/g, "'");
      if ((m[1] ?? "").toUpperCase() === "TABLE") {
        facts.tableComments.set(tableKey(m[2] ?? ""), text);
        return;
      }
      const parts = splitQualified(m[2] ?? "");
      const [schema, table, column] = parts.length >= 3 ? parts : ["public", ...parts];
      facts.columnComments.set(`${schema}.${table}.${column}`, text);
    },
  ],
];

function readStatement(statement: string, facts: SqlFacts): void {
  const s = statement.trim().replace(/\s+/g, " ");
  for (const [pattern, read] of READERS) {
    const m = s.match(pattern);
    if (m) {
      read(m, facts);
      return;
    }
  }
}

/**
 * A migration may wrap FORCE and GRANT in a helper (`CREATE FUNCTION f(tbl regclass) ... EXECUTE
 * format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl)`) and call it per table (`SELECT f('public.x')`).
 * We expand exactly that shape: the format() templates of the body, with %s/%I replaced by the argument.
 */
function helperTemplates(sql: string): Map<string, string[]> {
  const helpers = new Map<string, string[]>();
  const fn = new RegExp(
    String.raw`CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(${QUALIFIED})\s*\([^)]*\)[\s\S]*?\$(\w*)\$([\s\S]*?)\$\2\$`,
    "gi",
  );
  for (const m of sql.matchAll(fn)) {
    const templates = [...(m[3] ?? "").matchAll(/format\(\s*'((?:[^']|'')*)'\s*,\s*\w+\s*\)/gi)].map((t) =>
      (t[1] ?? "").replace(/''/g, "'"),
    );
    if (templates.length > 0) helpers.set(splitQualified(m[1] ?? "").join("."), templates);
  }
  return helpers;
}

function statementsOf(sql: string): string[] {
  // DO $$ ... $$ bodies are scanned too, because idempotent CREATE ROLE lives inside them.
  return splitTopLevel(stripComments(sql).replace(/\$\w*\$/g, ";"), ";").flatMap((chunk) =>
    chunk.split(/\b(?:THEN|BEGIN|ELSE)\b/i),
  );
}

/** Reads migrations in the order they ran, so a later statement overrides an earlier one. */
export function readSqlFacts(migrations: string[]): SqlFacts {
  const facts = emptySqlFacts();
  const helpers = new Map<string, string[]>();
  const call = new RegExp(String.raw`^SELECT (${QUALIFIED})\s*\(\s*'([^']*)'(?:::\w+)?\s*\)$`, "i");
  for (const sql of migrations) {
    for (const [name, templates] of helperTemplates(sql)) helpers.set(name, templates);
    for (const statement of statementsOf(sql)) {
      const m = statement.trim().replace(/\s+/g, " ").match(call);
      const templates = m ? helpers.get(splitQualified(m[1] ?? "").join(".")) : undefined;
      if (m && templates) {
        for (const template of templates) readStatement(template.replace(/%[sI]/g, m[2] ?? ""), facts);
      } else readStatement(statement, facts);
    }
  }
  return facts;
}
