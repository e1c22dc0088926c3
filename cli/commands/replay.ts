/**
 * `edge-ml replay <csv> --url <edge base url> --model <name> [--rate 20/s] [--shift col=+10 | col=*1.5] [--set col=value]
 * [--limit n] [--loop] [--shuffle [--seed 1]] [--feedback <monitor url> --label <col>] [--json]`: stream a CSV
 * through an edge endpoint one row per request, optionally drifting columns, and post the label column to the monitor
 * as delayed labels (joined by request id), with the ingest token from $EDGE_ML_MONITOR_TOKEN or --token-file.
 *
 * @example
 * ```sh
 * npx edge-ml replay examples/titanic/data/eval.csv --url http://127.0.0.1:8787 --model titanic --rate 50 --shift age=+25 \
 *   --feedback http://127.0.0.1:8788 --label survived   # token from $EDGE_ML_MONITOR_TOKEN
 * ```
 */
import { defineCommand } from "citty";
import { repeated } from "../terminal/args.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { readSecret } from "../terminal/secret.ts";
import { dim, green } from "../terminal/output.ts";
import { parseChange, replay } from "../replay/replay.ts";
import { REPLAY } from "./spec/replay.ts";

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/\/s$/, ""));
  if (!(n > 0))
    throw new UsageError(`--${flag} ${value} is not a positive number`, {
      hint: flag === "rate" ? "e.g. --rate 20 (requests per second)" : `e.g. --${flag} 100`,
    });
  return n;
}

export default defineCommand({
  args: REPLAY.args,
  async run({ args, rawArgs }) {
    const token = args.feedback ? await readSecret({ flag: "token", env: "EDGE_ML_MONITOR_TOKEN", value: args.token, file: args["token-file"] }) : undefined;
    if (args.feedback && (!token || !args.label)) {
      const missing = [token ? "" : "the deployment's ingest token ($EDGE_ML_MONITOR_TOKEN or --token-file)", args.label ? "" : "--label"];
      throw new UsageError(`--feedback needs ${missing.filter(Boolean).join(" and ")}`, {
        hint: "e.g. EDGE_ML_MONITOR_TOKEN=... npx edge-ml replay ... --feedback http://127.0.0.1:8788 --label survived (or --token-file <file>)",
      });
    }
    if (args.loop && args.limit === undefined) throw new UsageError("--loop needs --limit", { hint: "e.g. --loop --limit 1000" });
    const changes = [...repeated(rawArgs, "shift").map((s) => parseChange(s, "shift")), ...repeated(rawArgs, "set").map((s) => parseChange(s, "set"))];
    const limit = positiveNumber("limit", args.limit);
    const summary = await replay({
      csv: args.csv,
      url: args.url,
      model: args.model,
      rate: positiveNumber("rate", args.rate),
      changes,
      limit: limit === undefined ? undefined : Math.floor(limit),
      loop: args.loop === true,
      shuffleSeed: args.shuffle ? Number(args.seed) : undefined,
      feedback: args.feedback && token && args.label ? { url: args.feedback, token, label: args.label } : undefined,
    });
    if (args.json) return printJson(summary);
    const statuses = Object.entries(summary.statuses)
      .map(([s, n]) => `${n} × ${s}`)
      .join(", ");
    console.log(
      `${green("✔")} replayed ${summary.sent} rows to ${args.url} in ${summary.seconds.toFixed(1)} s (${(summary.sent / Math.max(summary.seconds, 1e-3)).toFixed(1)}/s): ${statuses}`,
    );
    if (changes.length > 0)
      console.log(dim(`  changed: ${changes.map((c) => `${c.column} ${c.op === "set" ? "=" : c.op === "add" ? "+" : "×"} ${c.value}`).join(", ")}`));
    if (summary.feedback)
      console.log(
        `  feedback: ${summary.feedback.stored} labels stored, ${summary.feedback.matched} already matched a sampled row (the rest join when their samples arrive)`,
      );
    if (summary.ok < summary.sent) process.exitCode = 1;
  },
});
