/** `edge-ml monitor build --target worker [--out dist/monitor-worker] [--name ...] [--database ...] [--database-id ...] [--window 1h] [--json]` */
import { defineCommand } from "citty";
import { buildMonitorWorker } from "../../monitor-worker/build.ts";
import { choice } from "../../terminal/args.ts";
import { printJson } from "../../terminal/json.ts";
import { dim, green } from "../../terminal/output.ts";
import { MONITOR_BUILD, MONITOR_TARGETS } from "../spec/monitor-worker.ts";

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export default defineCommand({
  args: MONITOR_BUILD.args,
  async run({ args }) {
    choice("target", args.target, MONITOR_TARGETS);
    const built = await buildMonitorWorker({
      outDir: args.out ?? "dist/monitor-worker",
      ...(args.name ? { name: args.name } : {}),
      ...(args.database ? { database: args.database } : {}),
      databaseId: args["database-id"],
      window: args.window,
      retention: args.retention,
    });
    if (args.json) return printJson(built);
    console.log(`${green("✔")} monitor Worker ${built.name} built in ${built.outDir}`);
    for (const f of built.files) console.log(dim(`  ${f.path}  ${kib(f.bytes)} (gzip ${kib(f.gzipBytes)})`));
    console.log(dim(`  D1 binding DB → database ${built.database}; Cron Trigger every minute (alert rules, webhooks)`));
    console.log(`next: npx edge-ml monitor dev --target worker   (local D1), or npx edge-ml monitor deploy --dry-run`);
  },
});
