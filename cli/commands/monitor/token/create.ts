/**
 * `edge-ml monitor token create <deployment> [--db .edge-ml/monitor.db | --store postgres://… | --url https://…] [--json]`:
 * the token is printed once.
 */
import { defineCommand } from "citty";
import { printJson } from "../../../terminal/json.ts";
import { bold, dim, green } from "../../../terminal/output.ts";
import { TOKEN_CREATE } from "../../spec/monitor.ts";
import { tokenBackend } from "./store.ts";

export default defineCommand({
  args: TOKEN_CREATE.args,
  async run({ args, rawArgs }) {
    const { tokens } = await tokenBackend(args, rawArgs);
    const t = await tokens.create(args.deployment);
    if (args.json) return printJson({ id: t.id, deployment: t.deployment, token: t.token });
    console.log(`${green("✔")} ingest token ${bold(t.id)} for deployment ${bold(t.deployment)}:`);
    console.log(t.token);
    console.log(dim("  shown once (only its hash is stored). On Workers: npx wrangler secret put EDGE_ML_MONITOR_TOKEN"));
    console.log(dim("  locally: export EDGE_ML_MONITOR_TOKEN=... (or save it to a file for --token-file), never --token <value>"));
  },
});
