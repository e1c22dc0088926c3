/**
 * `edge-ml monitor dev --target worker [--port 8787] [--persist .edge-ml/monitor-d1] [--window 1h] [--evaluate-every 60s]
 * [--admin-token-file <file>]`: the monitor Worker in workerd with a local D1, until Ctrl-C.
 */
import { defineCommand } from "citty";
import { parseDuration } from "../../../monitor/alerts/rules.ts";
import { startMonitorWorker } from "../../monitor-worker/dev.ts";
import { choice, parsePort } from "../../terminal/args.ts";
import { UsageError } from "../../terminal/errors.ts";
import { dim, green } from "../../terminal/output.ts";
import { readSecret } from "../../terminal/secret.ts";
import { MONITOR_DEV, MONITOR_TARGETS } from "../spec/monitor-worker.ts";

export default defineCommand({
  args: MONITOR_DEV.args,
  async run({ args }) {
    choice("target", args.target, MONITOR_TARGETS);
    const raw = args["evaluate-every"];
    const every = raw === undefined ? undefined : raw === "0" ? 0 : parseDuration(raw);
    if (every === undefined && raw !== undefined) throw new UsageError(`--evaluate-every ${raw} is not a duration`, { hint: "e.g. 2s, 60s, 5m" });
    if (args.window !== undefined && parseDuration(args.window) === undefined)
      throw new UsageError(`--window ${args.window} is not a duration`, { hint: "e.g. 5s, 15m, 1h" });
    const adminToken = await readSecret({ flag: "admin-token", env: "EDGE_ML_MONITOR_ADMIN_TOKEN", file: args["admin-token-file"] });
    const dev = await startMonitorWorker({
      persistDir: args.persist,
      port: parsePort(args.port, 8787),
      window: args.window,
      retention: args.retention,
      adminToken,
      evaluateEveryMs: every,
    });
    // Tests and scripts parse this line: the same shape as `edge-ml monitor`'s.
    console.log(`${green("✔")} monitor listening on ${dev.url}`);
    console.log(dim(`  workerd (the monitor Worker, ${dev.build.outDir}) with a local D1 in ${args.persist}`));
    console.log(dim(`  dashboard ${dev.url}/   ingest POST ${dev.url}/v1/ingest   prometheus ${dev.url}/metrics`));
    console.log(dim(`  Cron Trigger (alert rules, webhooks) every ${raw ?? "60s"}   stop: Ctrl-C`));
    // Tokens live in D1: the token commands reach them through the Worker's admin API (the same admin token, if any).
    console.log(
      `  ingest token: npx edge-ml monitor token create <deployment> --url ${dev.url}${adminToken ? " (with $EDGE_ML_MONITOR_ADMIN_TOKEN set)" : ""}`,
    );
    // miniflare's own signal handlers exit at once (130/143), before the Cron timer stops and "stopped" prints: close
    // it ourselves (dev.close() disposes miniflare, which stops workerd).
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
    await new Promise<void>((done) => {
      process.once("SIGINT", () => done());
      process.once("SIGTERM", () => done());
    });
    await dev.close();
    console.log("stopped");
  },
});
