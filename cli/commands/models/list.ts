/** `edge-ml models list [--json]` */
import { defineCommand } from "citty";
import { listModelNames, listVersions, readAliases, readManifest } from "../../registry/registry.ts";
import { findProjectRoot } from "../../project/project.ts";
import { printJson } from "../../terminal/json.ts";
import { MODELS_LIST } from "../spec/models.ts";

export default defineCommand({
  args: MODELS_LIST.args,
  run({ args }) {
    const root = findProjectRoot();
    const models = listModelNames(root).map((name) => {
      const aliases = readAliases(root, name);
      return {
        name,
        aliases,
        versions: listVersions(root, name).map((version) => {
          const m = readManifest(root, { name, version });
          return { version, task: m.task, createdAt: m.createdAt, bytes: m.artifact.bytes, sha256: m.artifact.sha256 };
        }),
      };
    });
    if (args.json) return printJson(models);
    if (models.length === 0) {
      console.log("no models yet: npx edge-ml models add <model.onnx> --name <name> --version 1.0.0");
      return;
    }
    for (const m of models) {
      for (const v of m.versions) {
        const tags = Object.entries(m.aliases)
          .filter(([, ver]) => ver === v.version)
          .map(([a]) => a);
        console.log(`${m.name}@${v.version}\t${v.task}\t${(v.bytes / 1024).toFixed(1)} KiB\t${v.createdAt}${tags.length ? `\t[${tags.join(", ")}]` : ""}`);
      }
    }
  },
});
