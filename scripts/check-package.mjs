#!/usr/bin/env node
// `npm run check:package` (after `npm run build`): both packages as npm would publish them pass publint (exports map,
// files, types) and @arethetypeswrong/cli (types resolve for ESM consumers under node16/nodenext and bundlers; the
// packages are ESM-only, so CJS and node10 resolutions are not checked). The tarballs are packed once, without
// running prepack again, into a temp folder.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`check:package: ${[cmd, ...args].join(" ")} failed`);
    process.exit(r.status ?? 1);
  }
};

const out = mkdtempSync(join(tmpdir(), "edge-ml-pack-"));
try {
  for (const dir of [".", "runtime"]) run(bin("publint"), ["--strict", dir]);
  run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", out]);
  run("npm", ["pack", "--ignore-scripts", "--silent", "--workspace", "runtime", "--pack-destination", out]);
  for (const tarball of readdirSync(out)) run(bin("attw"), [join(out, tarball), "--profile", "esm-only", "--format", "table-flipped"]);
} finally {
  rmSync(out, { recursive: true, force: true });
}
