/** `edge-ml init <dir> [--json]`: a new project the CLI can use at once. */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { initProject } from "../project/init.ts";
import { printJson } from "../terminal/json.ts";
import { green } from "../terminal/output.ts";
import { INIT } from "./spec/init.ts";

export default defineCommand({
  args: INIT.args,
  run({ args }) {
    const { dir, name, files } = initProject(args.dir);
    if (args.json) return printJson({ dir, name, files });
    const rel = relative(process.cwd(), dir) || ".";
    const shown = /\s/.test(rel) ? JSON.stringify(rel) : rel;
    console.log(`${green("✔")} created ${shown}: ${files.join(", ")} (Worker "${name}")`);
    console.log(`  next: cd ${shown} && npm install && npx edge-ml models add path/to/model.onnx --name my-model --version 1.0.0`);
  },
});
