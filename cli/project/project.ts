/**
 * Finds the edge-ml project the CLI works on: the nearest folder, from the current directory up, that holds an
 * `edge-ml.config.ts`/`edge-ml.config.json` or a `models/` folder.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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

/** The folder of the installed edge-ml package (where runtime/ and templates/ live). */
export const PACKAGE_ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
