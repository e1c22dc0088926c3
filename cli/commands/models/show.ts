/** `edge-ml models show <name>@<version> [--json]` */
import { defineCommand } from "citty";
import { loadModel } from "../../registry/registry.ts";
import { formatModelShow } from "../../registry/show.ts";
import { findProjectRoot } from "../../project/project.ts";
import { printJson } from "../../terminal/json.ts";
import { MODELS_SHOW } from "../spec/models.ts";

export default defineCommand({
  args: MODELS_SHOW.args,
  run({ args }) {
    const { manifest } = loadModel(findProjectRoot(), args.ref);
    if (args.json) return printJson(manifest);
    console.log(formatModelShow(manifest));
  },
});
