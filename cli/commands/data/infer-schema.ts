/** `edge-ml data infer-schema <csv> [--out schema.json]`: guess a feature schema (FeatureSpec[]) from a CSV. */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { FeatureSpec } from "../../../core/schema/features.ts";
import { green } from "../../terminal/output.ts";
import { inferSchema } from "../../data-validate/infer.ts";

export default defineCommand({
  meta: { name: "infer-schema", description: "Guess a feature schema from a CSV: types, nullability, ranges, categories" },
  args: {
    csv: { type: "positional", description: "CSV file with a header row", required: true },
    out: { type: "string", description: "write the schema to this file (default: print it)" },
  },
  async run({ args }) {
    const features = z.array(FeatureSpec).parse(await inferSchema(args.csv));
    const text = JSON.stringify(features, null, 2);
    if (!args.out) {
      console.log(text);
      return;
    }
    writeFileSync(args.out, `${text}\n`);
    console.log(`${green("✔")} ${features.length} features → ${args.out}`);
    for (const f of features)
      console.log(
        `  ${f.name.padEnd(24)} ${f.type}${f.nullable ? " (nullable)" : ""}${f.values ? `  ${f.values.length} values` : ""}${f.range ? `  [${f.range.min}, ${f.range.max}]` : ""}`,
      );
    console.log(`  next: review it (drop ids and the label), then \`npx edge-ml data validate <new.csv> --against ${args.out}\``);
  },
});
