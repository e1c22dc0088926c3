/**
 * `edge-ml monitor [serve] [--port 8787] [--host 127.0.0.1] [--db .edge-ml/monitor.db | --store postgres://…]
 * [--admin-token-file <file>] [--window 1h] [--evaluate-every 60s] [--retention samples=7d,minutes=48h,...]`: the admin token comes from
 * $EDGE_ML_MONITOR_ADMIN_TOKEN or a file, not argv. Several monitors on one Postgres may run behind one address.
 */
import { defineCommand } from "citty";
import { parseDuration } from "../../../monitor/alerts/rules.ts";
import { DEFAULT_RETENTION, formatRetention, parseRetention } from "../../../monitor/retention.ts";
import { startMonitor } from "../../../monitor/server.ts";
import { describeStore } from "../../../monitor/store/open.ts";
import { parsePort } from "../../terminal/args.ts";
import { UsageError } from "../../terminal/errors.ts";
import { dim, green } from "../../terminal/output.ts";
import { readSecret } from "../../terminal/secret.ts";
import { MONITOR_SERVE } from "../spec/monitor.ts";
import { storeFlag, storeSpec } from "./token/store.ts";

function durationArg(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === "0") return 0;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${flag} ${value} is not a duration`, { hint: "e.g. 5s, 10m, 1h" });
  return ms;
}

export default defineCommand({
  args: MONITOR_SERVE.args,
  async run({ args, rawArgs }) {
    const store = storeSpec(args, rawArgs);
    const retention = args.retention === undefined ? DEFAULT_RETENTION : parseRetention(args.retention);
    const adminToken = await readSecret({
      flag: "admin-token",
      env: "EDGE_ML_MONITOR_ADMIN_TOKEN",
      value: args["admin-token"],
      file: args["admin-token-file"],
    });
    const monitor = await startMonitor({
      port: parsePort(args.port, 8787),
      host: args.host,
      store,
      adminToken,
      windowMs: durationArg("window", args.window),
      evaluateEveryMs: durationArg("evaluate-every", args["evaluate-every"]),
      retention,
    });
    // Tests and scripts parse this line: keep its shape.
    console.log(`${green("✔")} monitor listening on ${monitor.url}`);
    console.log(dim(`  dashboard ${monitor.url}/   ingest POST ${monitor.url}/v1/ingest   prometheus ${monitor.url}/metrics`));
    console.log(
      dim(
        `  store ${describeStore(store)}   drift/alert window ${args.window ?? "1h"}, rules evaluated every ${args["evaluate-every"] ?? "60s"}   stop: Ctrl-C`,
      ),
    );
    console.log(dim(`  retention ${retention === null ? "off: everything is kept" : formatRetention(retention)}`));
    if ((await monitor.store.listTokens()).every((t) => t.revokedAt !== null)) {
      console.log(`  no ingest token yet: npx edge-ml monitor token create <deployment> ${storeFlag(store, args)}`);
    }
    await new Promise<void>((done) => {
      process.once("SIGINT", () => done());
      process.once("SIGTERM", () => done());
    });
    await monitor.close();
    console.log("stopped");
  },
});
