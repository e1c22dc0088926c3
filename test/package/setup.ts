/**
 * Global setup of the `package` project: pack both packages once, as `npm publish` would. `npm pack` of the root runs
 * its prepack (`npm run build`: the runtime package, then the toolkit), so the tarballs hold freshly compiled dist/.
 * The test files install them into fresh apps (`inject("packages")`).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Absolute paths of the packed tarballs. */
    packages: { toolkit: string; runtime: string };
  }
}

const REPO_ROOT = join(import.meta.dirname, "..", "..");

async function pack(dir: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--json", "--pack-destination", dir, ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  // npm prints prepack's output before the JSON array.
  const [entry] = JSON.parse(stdout.slice(stdout.indexOf("\n[") + 1)) as { filename: string }[];
  if (!entry) throw new Error(`npm pack ${args.join(" ")} printed no tarball:\n${stdout}`);
  return join(dir, entry.filename);
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "edge-ml-pack-"));
  const toolkit = await pack(dir, []);
  // Already built by the toolkit's prepack.
  const runtime = await pack(dir, ["--ignore-scripts", "--workspace", "runtime"]);
  project.provide("packages", { toolkit, runtime });
  return () => rmSync(dir, { recursive: true, force: true });
}
