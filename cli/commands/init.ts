/** `edge-ml init <dir>`: a new project the CLI can use at once. */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { initProject } from "../project/init.ts";
import { green } from "../terminal/output.ts";

export default defineCommand({
  meta: { name: "init", description: "Create a new edge-ml project" },
  args: { dir: { type: "positional", required: true, description: "folder to create" } },
  run({ args }) {
    const { dir, files } = initProject(args.dir);
    const shown = relative(process.cwd(), dir) || ".";
    console.log(`${green("✔")} created ${shown}: ${files.join(", ")}`);
    console.log(`  next: cd ${shown} && npx edge-ml models add path/to/model.onnx --name my-model --version 1.0.0`);
  },
});
