/**
 * `edge-ml data validate <csv> --against <name>@<version>|schema.json [--json] [--report out.html] [--max-null-rate r]
 * [--max-distinct n] [--fail-on-drift] [--label col] [--id col] [--bad-rows bad.csv|bad.jsonl] [--split dir] [--dedupe-memory n]`
 */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { validateData } from "../../data-validate/validate.ts";
import { formatDataValidation } from "../../data-validate/format.ts";
import { DEFAULT_DEDUPE_MEMORY } from "../../data-validate/duplicates.ts";
import { DEFAULT_MAX_DISTINCT } from "../../data-validate/rows.ts";
import { UsageError } from "../../terminal/errors.ts";
import { printJson } from "../../terminal/json.ts";
import { dim } from "../../terminal/output.ts";
import { DATA_VALIDATE } from "../spec/data.ts";
import { renderDataReport } from "../../report/data.ts";

function parseRate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < 0 || x > 1) {
    throw new UsageError(`--max-null-rate ${value} is not a rate`, { hint: "use a share from 0 to 1, e.g. --max-null-rate 0.1 for 10%" });
  }
  return x;
}

function parseCount(flag: string, value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${flag} ${value} is not a count`, {
      hint: `use a whole number of at least 1 (default ${fallback})`,
    });
  return n;
}

export default defineCommand({
  args: DATA_VALIDATE.args,
  async run({ args }) {
    const maxNullRate = parseRate(args["max-null-rate"]);
    const maxDistinct = parseCount("max-distinct", args["max-distinct"], DEFAULT_MAX_DISTINCT);
    const dedupeMemory = parseCount("dedupe-memory", args["dedupe-memory"], DEFAULT_DEDUPE_MEMORY);
    const v = await validateData({
      csv: args.csv,
      against: args.against,
      ...(maxNullRate !== undefined ? { maxNullRate } : {}),
      ...(maxDistinct !== undefined ? { maxDistinct } : {}),
      ...(args["fail-on-drift"] ? { failOnDrift: true } : {}),
      ...(args.label ? { label: args.label } : {}),
      ...(args.id ? { id: args.id } : {}),
      ...(args["bad-rows"] ? { badRows: args["bad-rows"] } : {}),
      ...(args.split ? { split: args.split } : {}),
      ...(dedupeMemory !== undefined ? { dedupeMemory } : {}),
    });
    if (args.report) writeFileSync(args.report, renderDataReport(v));
    if (args.json) printJson(v.result);
    else {
      console.log(formatDataValidation(v.result));
      if (args.report) console.log(dim(`report: ${args.report}`));
      if (!v.result.ok) console.log(dim("next: fix the rows or columns listed above (or the schema), then run this command again"));
    }
    if (!v.result.ok) process.exitCode = 1;
  },
});
