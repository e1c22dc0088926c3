/** `edge-ml build <name>@<version> --target worker [--out dir]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { loadConfig } from "../project/config.ts";
import { buildTarget, TARGETS, type Target } from "../build/bundle.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { formatBytes, green } from "../terminal/output.ts";
import { findProjectRoot } from "../project/project.ts";

export default defineCommand({
  meta: { name: "build", description: "Bundle a model version into an edge function" },
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    target: { type: "string", default: "worker", description: `target: ${TARGETS.join(" | ")}` },
    out: { type: "string", description: "output folder (default dist/<name>-<version>-<target>)" },
  },
  async run({ args }) {
    if (!(TARGETS as readonly string[]).includes(args.target)) {
      throw new EdgeMlError("ERR_USAGE", `--target ${args.target} is not a build target`, { hint: `Should be one of: ${TARGETS.join(", ")}` });
    }
    const root = findProjectRoot();
    const config = await loadConfig(root);
    const result = await buildTarget({ root, ref: args.ref, target: args.target as Target, settings: config.edge, ...(args.out ? { outDir: args.out } : {}) });
    console.log(`${green("✔")} built ${result.model.name}@${result.model.version} for ${result.target} → ${relative(process.cwd(), result.outDir) || "."}`);
    for (const f of result.files) console.log(`  ${f.path.padEnd(32)} ${formatBytes(f.bytes).padStart(10)}  (gzip ${formatBytes(f.gzipBytes)})`);
    console.log(`  ${"total".padEnd(32)} ${formatBytes(result.totalBytes).padStart(10)}  (gzip ${formatBytes(result.totalGzipBytes)})`);
    console.log(`  model sha256 ${result.model.sha256} (verified now, and again where it loads)`);
    console.log(`  next: ${result.next.replaceAll(result.outDir, relative(process.cwd(), result.outDir) || ".")}`);
  },
});
