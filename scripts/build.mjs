#!/usr/bin/env node
// `npm run build` of either package (run from its folder: the repository root for edge-ml, runtime/ for
// @edge-ml/runtime): a clean dist/, then tsc with the folder's tsconfig.build.json (ESM + .d.ts, `.ts` specifiers
// rewritten to `.js`), then the non-TypeScript files the compiled code reads beside itself. Plain Node, no shell, so
// `prepack` works wherever npm does.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cwd = process.cwd();
rmSync(join(cwd, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd, stdio: "inherit" });
if (run.status !== 0) {
  console.error(`build: tsc failed in ${cwd}`);
  process.exit(run.status ?? 1);
}
// tsc rewrites `.ts` specifiers to `.js` (rewriteRelativeImportExtensions), but not every dynamic import(): a left-over
// `.ts` specifier works in a checkout (tsx) and fails only once installed, so refuse to ship one.
const leftovers = [];
for (const file of readdirSync(join(cwd, "dist"), { recursive: true })) {
  if (!String(file).endsWith(".js")) continue;
  const code = readFileSync(join(cwd, "dist", String(file)), "utf8").replace(/^\s*(\/\/|\*).*$/gm, "");
  for (const m of code.matchAll(/(?:from\s*|import\s*\(\s*)["'](\.{1,2}\/[^"']+\.ts)["']/g)) leftovers.push(`${file}: ${m[1]}`);
}
if (leftovers.length > 0) {
  console.error(
    `build: compiled code still imports TypeScript files (make the import static or its specifier a literal tsc rewrites):\n  ${leftovers.join("\n  ")}`,
  );
  process.exit(1);
}
// The monitor's dashboard scripts are served from beside monitor/server.js (nodeAssets()).
const assets = join(cwd, "monitor", "assets");
if (existsSync(assets)) cpSync(assets, join(cwd, "dist", "monitor", "assets"), { recursive: true });
console.log(`build: ${join(cwd, "dist")}`);
