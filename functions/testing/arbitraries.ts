import fc from "fast-check";

/** The parts of a JSON Schema (as @hono/zod-openapi writes them) that generation looks at. */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

/** Strings that have broken APIs before: NUL, lone surrogates, odd Unicode, wildcards, escapes, huge. */
export const hostileString = fc.oneof(
  fc.constantFrom(
    "a\u0000b",
    "\u0000",
    "\ud800",
    "x\udfffy",
    "\u202egnp.exe",
    "\u200b",
    "😀\u{10FFFF}",
    "%",
    "_",
    "\\",
    "%\\",
    "'; drop table users; --",
    "0000-01-01",
    "300000-01-01T00:00:00Z",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    "999999999999999999999",
    "null",
    "__proto__",
    "constructor",
    "",
    " ",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.nat({ max: 20_000 }).map((n) => "x".repeat(n)),
);

/** Numbers at and past every boundary an integer or timestamp column has. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300),
  fc.double({ noNaN: true }),
  fc.integer(),
);

/** Property names that walk into Object.prototype, or that no schema declares. */
export const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "x");

/** Any JSON value at all, of modest size. */
export const anyJson = fc.jsonValue({ maxDepth: 3 });

const resolve = (schema: JsonSchema, schemas: Record<string, JsonSchema>): JsonSchema =>
  schema.$ref ? resolve(schemas[schema.$ref.split("/").pop() as string] ?? {}, schemas) : schema;

/** A value the schema accepts, roughly (the generator leans on edges: min and max lengths, bounds). */
function valid(schema: JsonSchema, schemas: Record<string, JsonSchema>, depth: number): fc.Arbitrary<unknown> {
  const s = resolve(schema, schemas);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valid(a, schemas, depth)));
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = Array.isArray(s.type) ? s.type : [s.type ?? "string"];
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case "null":
          return fc.constant(null);
        case "boolean":
          return fc.boolean();
        case "integer":
          return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
        case "number":
          return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
        case "array":
          return depth > 2 ? fc.constant([]) : fc.array(valid(s.items ?? {}, schemas, depth + 1), { maxLength: 4 });
        case "object":
          return depth > 2 ? fc.constant({}) : objectOf(s, schemas, depth + 1, false);
        default:
          if (s.format === "uuid") return fc.uuid();
          if (s.format === "email") return fc.emailAddress();
          // A time a client would send: since 2000, and not in the future (a post may not be published later).
          if (s.format === "date-time") {
            return fc
              .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date(), noInvalidDate: true })
              .map((d) => d.toISOString());
          }
          if (s.pattern) {
            // The pattern bounds the length when the schema does not (a cap here could reject every value).
            const max = s.maxLength ?? Number.POSITIVE_INFINITY;
            return fc
              .stringMatching(new RegExp(s.pattern))
              .filter((v) => v.length >= (s.minLength ?? 0) && v.length <= max);
          }
          return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 300) });
      }
    }),
  );
}

/** A value for `schema`: mostly valid, often hostile, sometimes of another type altogether. */
export function valueFor(schema: JsonSchema, schemas: Record<string, JsonSchema>, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: valid(schema, schemas, depth) },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: hostileNumber },
    { weight: 1, arbitrary: anyJson },
  );
}

function objectOf(
  schema: JsonSchema,
  schemas: Record<string, JsonSchema>,
  depth: number,
  hostile: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(resolve(schema, schemas).properties ?? {});
  const declared = fc.record(
    Object.fromEntries(
      properties.map(([name, property]) => [
        name,
        hostile ? valueFor(property, schemas, depth) : valid(property, schemas, depth),
      ]),
    ),
    { requiredKeys: [] },
  );
  if (!hostile) return declared;
  return fc.tuple(declared, fc.option(fc.tuple(hostileKey, anyJson), { nil: undefined })).map(([object, extra]) => {
    if (!extra) return object;
    // defineProperty: a "__proto__" key must be an own property, as JSON.parse makes it.
    return Object.defineProperty({ ...object }, extra[0], { value: extra[1], enumerable: true, writable: true });
  });
}

/** A body the schema accepts: every required property, and some of the optional ones, each with a valid value. */
export const validBody = (schema: JsonSchema, schemas: Record<string, JsonSchema>) => {
  const resolved = resolve(schema, schemas);
  return fc.record(
    Object.fromEntries(
      Object.entries(resolved.properties ?? {}).map(([name, property]) => [name, valid(property, schemas, 1)]),
    ),
    { requiredKeys: resolved.required ?? [] },
  );
};

/** A request body for `schema`: its properties with valid, hostile or mistyped values, plus stray keys. */
export const bodyOf = (schema: JsonSchema, schemas: Record<string, JsonSchema>) =>
  fc.oneof({ weight: 6, arbitrary: objectOf(schema, schemas, 0, true) }, { weight: 1, arbitrary: anyJson });
