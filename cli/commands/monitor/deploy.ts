/** `edge-ml monitor deploy [--dry-run] [--out dist/monitor-worker] [--name ...] [--database ...] [--database-id ...] [--window 1h] [--json]` */
import { defineCommand } from "citty";
import { deployMonitorWorker } from "../../monitor-worker/deploy.ts";
import { choice } from "../../terminal/args.ts";
import { printJson } from "../../terminal/json.ts";
import { dim, green } from "../../terminal/output.ts";
import { MONITOR_DEPLOY, MONITOR_TARGETS } from "../spec/monitor-worker.ts";

export default defineCommand({
  args: MONITOR_DEPLOY.args,
  async run({ args }) {
    choice("target", args.target, MONITOR_TARGETS);
    const dryRun = args["dry-run"] === true;
    const r = await deployMonitorWorker({
      outDir: args.out ?? "dist/monitor-worker",
      ...(args.name ? { name: args.name } : {}),
      ...(args.database ? { database: args.database } : {}),
      databaseId: args["database-id"],
      window: args.window,
      retention: args.retention,
      dryRun,
      // wrangler's own output goes to stderr as it arrives, so --json keeps stdout to one document.
      onOutput: (chunk) => process.stderr.write(chunk),
    });
    if (args.json) return printJson(r);
    console.log(`${green("✔")} ${dryRun ? "dry run of" : "deployed"} the monitor Worker ${r.build.name}${r.url ? ` at ${r.url}` : ""}`);
    if (r.upload) console.log(dim(`  wrangler: ${r.upload}`));
    for (const b of r.bindings) console.log(dim(`  binding ${b}`));
    console.log(dim(`  Cron Trigger: * * * * * (alert rules, webhooks); files in ${r.build.outDir}`));
    if (dryRun)
      console.log("next: npx edge-ml monitor deploy   (needs `npx wrangler login` or CLOUDFLARE_API_TOKEN; creates the D1 database on the first deploy)");
    else {
      console.log(
        `next: cd ${r.build.outDir} && npx wrangler secret put EDGE_ML_MONITOR_ADMIN_TOKEN   (the dashboard and read API stay closed until it is set)`,
      );
      console.log(
        dim(
          '  then ingest tokens: curl -X POST <url>/v1/tokens -H "authorization: Bearer <admin token>" -H "content-type: application/json" -d \'{"deployment":"<name>"}\'',
        ),
      );
    }
  },
});
