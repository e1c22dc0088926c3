/** `edge-ml data profile <csv> [--features f.json] [--bins 10] [--json]` */
import { defineCommand } from "citty";
import { EdgeMlError } from "../../../core/errors.ts";
import { DEFAULT_BINS } from "../../../core/stats/baseline-build.ts";
import { profileCsv } from "../../tabular/profile-csv.ts";
import { formatProfileTable } from "../../tabular/profile-table.ts";
import { dim } from "../../terminal/output.ts";

const MAX_BINS = 1000;

function parseBins(value: string | undefined): number {
  if (value === undefined) return DEFAULT_BINS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > MAX_BINS) {
    throw new EdgeMlError("ERR_USAGE", `--bins ${value} is not a bin count`, { hint: `use a whole number from 2 to ${MAX_BINS} (default ${DEFAULT_BINS})` });
  }
  return n;
}

export default defineCommand({
  meta: { name: "profile", description: "Per-column profile of a CSV: type, missing rate, range or top categories" },
  args: {
    csv: { type: "positional", description: "CSV file with a header row", required: true },
    features: { type: "string", description: "feature schema JSON (types are guessed from the values without it)" },
    bins: { type: "string", description: `equal-frequency bins per numeric column (default ${DEFAULT_BINS})` },
    json: { type: "boolean", description: "print the baseline JSON (the manifest's `baseline` shape)" },
  },
  async run({ args }) {
    const bins = parseBins(args.bins);
    const { features, baseline } = await profileCsv(args.csv, { bins, ...(args.features ? { features: args.features } : {}) });
    if (args.json) {
      console.log(JSON.stringify(baseline, null, 2));
      return;
    }
    console.log(
      `${baseline.createdFrom.file}: ${baseline.rows} rows, ${features.length} columns${args.features ? "" : " (types guessed; pass --features to use a schema)"}`,
    );
    console.log(formatProfileTable(features, baseline));
    console.log(dim(`next: npx edge-ml models add <model.onnx> ... --data ${args.csv}  (stores this baseline for drift monitoring)`));
  },
});
