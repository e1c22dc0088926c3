/**
 * `edge-ml replay <csv> --url <edge base url> --model <name> [--rate 20/s] [--shift col=+10 | col=*1.5] [--set col=value]
 * [--limit n] [--loop] [--shuffle [--seed 1]] [--feedback <monitor url> --token <t> --label <col>] [--json]`: stream a CSV
 * through an edge endpoint one row per request, optionally drifting columns, and post the label column to the monitor
 * as delayed labels (joined by request id).
 *
 * @example
 * ```sh
 * npx edge-ml replay examples/titanic/data/eval.csv --url http://127.0.0.1:8787 --model titanic --rate 50 --shift age=+25 \
 *   --feedback http://127.0.0.1:8788 --token "$TOKEN" --label survived
 * ```
 */
import { defineCommand } from "citty";
import { EdgeMlError } from "../../core/errors.ts";
import { repeated } from "../terminal/args.ts";
import { dim, green } from "../terminal/output.ts";
import { parseChange, replay } from "../replay/replay.ts";

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/\/s$/, ""));
  if (!(n > 0))
    throw new EdgeMlError("ERR_USAGE", `--${flag} ${value} is not a positive number`, {
      hint: flag === "rate" ? "e.g. --rate 20 (requests per second)" : `e.g. --${flag} 100`,
    });
  return n;
}

export default defineCommand({
  meta: { name: "replay", description: "Stream a CSV through an edge endpoint (optionally drifted) and post its labels as feedback" },
  args: {
    csv: { type: "positional", required: true, description: "CSV file with a header row (feature columns, and the label column for --feedback)" },
    url: { type: "string", required: true, description: "edge base URL, e.g. http://127.0.0.1:8787" },
    model: { type: "string", required: true, description: "model name served there" },
    rate: { type: "string", description: "requests per second, e.g. 20 or 20/s (default: one at a time, as fast as answered)" },
    shift: { type: "string", description: "drift a numeric column: col=+10, col=-3 or col=*1.5 (repeatable)" },
    set: { type: "string", description: "set a column to a value: col=value (repeatable)" },
    limit: { type: "string", description: "stop after n rows" },
    loop: { type: "boolean", description: "cycle through the file until --limit rows were sent" },
    shuffle: { type: "boolean", description: "shuffle the rows first (seeded: --seed, default 1)" },
    seed: { type: "string", description: "seed of --shuffle", default: "1" },
    feedback: { type: "string", description: "monitor URL to post the labels to (POST /v1/feedback)" },
    token: { type: "string", description: "the deployment's ingest token, for --feedback" },
    label: { type: "string", description: "label column, for --feedback" },
    json: { type: "boolean", description: "print the summary as JSON" },
  },
  async run({ args, rawArgs }) {
    if (args.feedback && (!args.token || !args.label)) {
      throw new EdgeMlError("ERR_USAGE", "--feedback needs --token and --label", {
        hint: "e.g. --feedback http://127.0.0.1:8788 --token $TOKEN --label survived",
      });
    }
    if (args.loop && args.limit === undefined) throw new EdgeMlError("ERR_USAGE", "--loop needs --limit", { hint: "e.g. --loop --limit 1000" });
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
      feedback: args.feedback && args.token && args.label ? { url: args.feedback, token: args.token, label: args.label } : undefined,
    });
    if (args.json) {
      console.log(JSON.stringify(summary));
      return;
    }
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
