/** `edge-ml data infer-schema <csv> [--out schema.json] [--json]`: guess a feature schema (FeatureSpec[]) from a CSV. */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import * as z from "zod";
import { FeatureSpec } from "../../../core/schema/features.ts";
import { inferSchema } from "../../data-validate/infer.ts";
import { printJson } from "../../terminal/json.ts";
import { green } from "../../terminal/output.ts";
import { DATA_INFER_SCHEMA } from "../spec/data.ts";

export default defineCommand({
  args: DATA_INFER_SCHEMA.args,
  async run({ args }) {
    const features = z.array(FeatureSpec).parse(await inferSchema(args.csv));
    if (args.out) writeFileSync(args.out, `${JSON.stringify(features, null, 2)}\n`);
    // Without --out the schema is the output, so it is printed as JSON either way.
    if (args.json || !args.out) return printJson(features);
    console.log(`${green("✔")} ${features.length} features → ${args.out}`);
    for (const f of features)
      console.log(
        `  ${f.name.padEnd(24)} ${f.type}${f.nullable ? " (nullable)" : ""}${f.values ? `  ${f.values.length} values` : ""}${f.range ? `  [${f.range.min}, ${f.range.max}]` : ""}`,
      );
    console.log(`  next: review it (drop ids and the label), then \`npx edge-ml data validate <new.csv> --against ${args.out}\``);
  },
});
