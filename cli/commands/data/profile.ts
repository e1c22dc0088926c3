/** `edge-ml data profile <csv> [--features f.json] [--bins 10] [--json]` */
import { defineCommand } from "citty";
import { DEFAULT_BINS } from "../../../core/stats/baseline-build.ts";
import { profileCsv } from "../../tabular/profile-csv.ts";
import { formatProfileTable } from "../../tabular/profile-table.ts";
import { UsageError } from "../../terminal/errors.ts";
import { printJson } from "../../terminal/json.ts";
import { dim } from "../../terminal/output.ts";
import { DATA_PROFILE } from "../spec/data.ts";

const MAX_BINS = 1000;

function parseBins(value: string | undefined): number {
  if (value === undefined) return DEFAULT_BINS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > MAX_BINS) {
    throw new UsageError(`--bins ${value} is not a bin count`, { hint: `use a whole number from 2 to ${MAX_BINS} (default ${DEFAULT_BINS})` });
  }
  return n;
}

export default defineCommand({
  args: DATA_PROFILE.args,
  async run({ args }) {
    const bins = parseBins(args.bins);
    const { features, baseline } = await profileCsv(args.csv, { bins, ...(args.features ? { features: args.features } : {}) });
    if (args.json) return printJson(baseline);
    console.log(
      `${baseline.createdFrom.file}: ${baseline.rows} rows, ${features.length} columns${args.features ? "" : " (types guessed; pass --features to use a schema)"}`,
    );
    console.log(formatProfileTable(features, baseline));
    console.log(dim(`next: npx edge-ml models add <model.onnx> ... --data ${args.csv}  (stores this baseline for drift monitoring)`));
  },
});
