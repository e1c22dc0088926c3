/** `edge-ml models alias <name> <alias> <version> [--json]` */
import { defineCommand } from "citty";
import { findProjectRoot } from "../../project/project.ts";
import { setAlias } from "../../registry/registry.ts";
import { printJson } from "../../terminal/json.ts";
import { green } from "../../terminal/output.ts";
import { MODELS_ALIAS } from "../spec/models.ts";

export default defineCommand({
  args: MODELS_ALIAS.args,
  run({ args }) {
    setAlias(findProjectRoot(), args.name, args.alias, args.version);
    if (args.json) return printJson({ name: args.name, alias: args.alias, version: args.version });
    console.log(`${green("✔")} ${args.name}@${args.alias} → ${args.version}`);
  },
});
