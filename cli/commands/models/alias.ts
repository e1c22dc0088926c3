/** `edge-ml models alias <name> <alias> <version>` */
import { defineCommand } from "citty";
import { green } from "../../terminal/output.ts";
import { findProjectRoot } from "../../project/project.ts";
import { setAlias } from "../../registry/registry.ts";

export default defineCommand({
  meta: { name: "alias", description: "Point an alias (champion, staging, ...) at a version" },
  args: {
    name: { type: "positional", required: true, description: "model name" },
    alias: { type: "positional", required: true, description: "alias, e.g. champion" },
    version: { type: "positional", required: true, description: "version, e.g. 1.0.0" },
  },
  run({ args }) {
    setAlias(findProjectRoot(), args.name, args.alias, args.version);
    console.log(`${green("✔")} ${args.name}@${args.alias} → ${args.version}`);
  },
});
