/**
 * Finds the edge-ml project the CLI works on: the nearest folder, from the current directory up, that holds an
 * `edge-ml.config.ts`/`edge-ml.config.json` or a `models/` folder.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EdgeMlError } from "../../core/errors.ts";

const MARKERS = ["edge-ml.config.ts", "edge-ml.config.json"];

/** Absolute path of the project root for `from` (default: the current directory). */
export function findProjectRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    const models = join(dir, "models");
    if (existsSync(models) && statSync(models).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new EdgeMlError("ERR_NOT_A_PROJECT", `no edge-ml project found in ${resolve(from)} or any parent folder`, {
    hint: "run `npx edge-ml init my-project` to create one, or cd into a folder that has a models/ folder",
  });
}

/**
 * The folder of the edge-ml package (where package.json and templates/ live): the nearest folder above this module
 * that holds a package.json. That is the repository in a checkout (cli/project/project.ts) and the installed
 * package when running compiled (dist/cli/project/project.js; dist/ has no package.json of its own).
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** True when running the compiled package (dist/), false when running the TypeScript sources of a checkout. */
const COMPILED = import.meta.url.endsWith(".js");

/** The edge-ml package's version (package.json), for `--version` and build metadata. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;

/**
 * Absolute path of a source module of the package given relative to the repository, e.g. `targets/worker/runtime.ts`:
 * the TypeScript source in a checkout, its compiled `dist/...js` when installed (sources do not ship). The bundler
 * hands this to esbuild as the target's runtime entry.
 *
 * @example
 * ```ts
 * packageModulePath("targets/worker/runtime.ts"); // <pkg>/targets/worker/runtime.ts or <pkg>/dist/targets/worker/runtime.js
 * ```
 */
function packageModulePath(relative: string): string {
  return COMPILED ? join(PACKAGE_ROOT, "dist", relative.replace(/\.ts$/, ".js")) : join(PACKAGE_ROOT, relative);
}

/** A target's platform entry (TargetPlan.runtimeModule is relative to targets/, e.g. `worker/runtime.ts`). */
export const runtimeModulePath = (runtimeModule: string): string => packageModulePath(join("targets", runtimeModule));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`edge-ml: no package.json above ${from}`);
  }
}
