/** `edge-ml monitor token create <deployment> [--db .edge-ml/monitor.db | --store postgres://…] [--json]`: the token is printed once. */
import { defineCommand } from "citty";
import { createToken } from "../../../../monitor/tokens.ts";
import { printJson } from "../../../terminal/json.ts";
import { bold, dim, green } from "../../../terminal/output.ts";
import { TOKEN_CREATE } from "../../spec/monitor.ts";
import { storeSpec, withStore } from "./store.ts";

export default defineCommand({
  args: TOKEN_CREATE.args,
  async run({ args, rawArgs }) {
    const spec = storeSpec(args, rawArgs);
    const t = await withStore(spec, (store) => createToken(store, args.deployment));
    if (args.json) return printJson({ id: t.id, deployment: t.deployment, token: t.token });
    console.log(`${green("✔")} ingest token ${bold(t.id)} for deployment ${bold(t.deployment)}:`);
    console.log(t.token);
    console.log(dim("  shown once (only its hash is stored). On Workers: npx wrangler secret put EDGE_ML_MONITOR_TOKEN"));
    console.log(dim("  locally: export EDGE_ML_MONITOR_TOKEN=... (or save it to a file for --token-file), never --token <value>"));
  },
});
