#!/usr/bin/env bash
# CI's test of `npm run new:resource`: generate a resource into a temporary copy of the tracked tree (sharing
# node_modules), then hold that copy to what main is held to: types, lint, migrations agree and lint clean, ERD
# and OpenAPI current, and its tests, the generated one and the isolation suites that must cover it unedited.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cd "$root"
git ls-files -z | xargs -0 -I{} cp --parents {} "$copy/"
ln -s "$root/node_modules" "$copy/node_modules"
[ -d vendor ] && cp -r vendor "$copy/"
cd "$copy"
git init -q && git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm base

npm run --silent new:resource -- field_notes title:string body:text? done:boolean rating:integer? due_at:timestamp?
test -f db/schema/field-notes.ts && test -f functions/field-notes/service.ts && test -f functions/field-notes/routes.ts && test -f functions/field-notes/field-notes.test.ts
npx tsc -p .
npx biome check .
npm run --silent db:check
npm run --silent db:lint
npm run --silent erd:check
npm run --silent openapi:check
npx vitest run functions/field-notes db/access.test.ts db/rls.test.ts functions/owned-resources.test.ts \
  functions/openapi.test.ts functions/isolation.test.ts functions/hostile-input.test.ts functions/fuzz.test.ts
