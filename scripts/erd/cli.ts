import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ErdError } from "./errors";
import { generate, readInput } from "./generate";
import { validateMermaid, validateModel } from "./validate";

export const USAGE = `Usage: npm run erd -- [options]

Writes the Mermaid ERD (erd.mmd) and its Markdown page (erd.md) from drizzle-kit's newest snapshot.

  --check               write nothing; exit 1 and say which file is stale if the docs differ
  --validate            check entities, keys and foreign keys, and parse the diagram with Mermaid
  --verbose, -v         print what is read and how long each step takes
  --output-path PATH    .mmd file to write (the .md goes beside it), or a directory
                        (default docs/database/erd.mmd)
  --snapshot FILE       read this snapshot instead of the journal's newest (no migration SQL is read)
  --drizzle-dir DIR     drizzle-kit's out folder (default drizzle)
  --help, -h            show this help

Exit codes: 0 ok, 1 stale docs or validation failed, 2 bad input or usage.`;

export interface Io {
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface Options {
  check: boolean;
  validate: boolean;
  verbose: boolean;
  help: boolean;
  mmdPath: string;
  mdPath: string;
  snapshot?: string;
  drizzleDir: string;
}

const OPTIONS = {
  check: { type: "boolean", default: false },
  validate: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", default: false },
  help: { type: "boolean", short: "h", default: false },
  "output-path": { type: "string", default: "docs/database/erd.mmd" },
  snapshot: { type: "string" },
  "drizzle-dir": { type: "string", default: "drizzle" },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS }).values;
  } catch (error) {
    throw new ErdError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

export function parseOptions(argv: string[], cwd: string): Options {
  const values = parseFlags(argv);
  const output = resolve(cwd, values["output-path"]);
  const mmdPath = output.endsWith(".mmd") ? output : join(output, "erd.mmd");
  return {
    check: values.check,
    validate: values.validate,
    verbose: values.verbose,
    help: values.help,
    mmdPath,
    mdPath: mmdPath.replace(/\.mmd$/, ".md"),
    ...(values.snapshot ? { snapshot: resolve(cwd, values.snapshot) } : {}),
    drizzleDir: resolve(cwd, values["drizzle-dir"]),
  };
}

/** Says where two texts first differ, so a stale-docs failure is actionable without a diff tool. */
export function firstDifference(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(a[i] ?? "<end of file>")}, found ${JSON.stringify(b[i] ?? "<end of file>")}`;
    }
  }
  return "identical";
}

async function readIfExists(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new ErdError(`cannot read ${path}: ${error.code ?? error.message}`);
  });
}

async function execute(options: Options, io: Io): Promise<number> {
  const started = performance.now();
  const log = (line: string) =>
    options.verbose && io.err(`[erd] ${line} (${(performance.now() - started).toFixed(1)} ms)`);
  const rel = (path: string) => (path.startsWith(`${io.cwd}/`) ? path.slice(io.cwd.length + 1) : path);

  const input = await readInput({
    drizzleDir: options.drizzleDir,
    cwd: io.cwd,
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
  });
  log(`read ${input.source} (snapshot ${input.snapshot.id})`);
  const docs = generate(input.snapshot, input.source, input.sql);
  log(`generated ${docs.model.entities.length} tables, ${docs.model.relationships.length} relationships`);

  if (options.validate) {
    const problems = [...validateModel(docs.model), ...(await validateMermaid(docs.model, docs.mermaid))];
    log("validated (Mermaid parser included)");
    if (problems.length > 0) {
      io.err(`ERD validation failed for ${input.source}:`);
      for (const problem of problems) io.err(`  - ${problem}`);
      return 1;
    }
    io.out(`ERD valid: ${docs.model.entities.length} tables, ${docs.model.relationships.length} relationships`);
  }

  const files = [
    { path: options.mmdPath, text: docs.mermaid },
    { path: options.mdPath, text: docs.markdown },
  ];
  if (options.check) {
    const stale: string[] = [];
    for (const file of files) {
      const current = await readIfExists(file.path);
      if (current === undefined) stale.push(`${rel(file.path)} is missing`);
      else if (current !== file.text) stale.push(`${rel(file.path)} is stale (${firstDifference(file.text, current)})`);
    }
    if (stale.length > 0) {
      io.err(`ERD docs do not match ${input.source}:`);
      for (const line of stale) io.err(`  - ${line}`);
      io.err("Run `npm run erd` and commit docs/database/.");
      return 1;
    }
    io.out(`ERD docs are up to date with ${input.source}`);
    return 0;
  }

  for (const file of files) {
    if ((await readIfExists(file.path)) === file.text) continue;
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.text);
  }
  io.out(`ERD written: ${files.map((f) => rel(f.path)).join(", ")} from ${input.source}`);
  log("done");
  return 0;
}

/** Exit code of one run; an ErdError is reported as a sentence, never as a stack trace. */
export async function run(argv: string[], io: Io = defaultIo): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(argv, io.cwd);
    if (options.help) {
      io.out(USAGE);
      return 0;
    }
    return await execute(options, io);
  } catch (error) {
    if (error instanceof ErdError) {
      io.err(`erd: ${error.message}`);
      return error.exitCode;
    }
    io.err(`erd: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    if (options?.verbose && error instanceof Error && error.stack) io.err(error.stack);
    return 3;
  }
}
