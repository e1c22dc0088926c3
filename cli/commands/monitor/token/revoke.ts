/** `edge-ml monitor token revoke <token id | deployment> [--db .edge-ml/monitor.db | --store postgres://… | --url https://…] [--json]` */
import { defineCommand } from "citty";
import { EdgeMlError } from "../../../../core/errors.ts";
import { printJson } from "../../../terminal/json.ts";
import { green } from "../../../terminal/output.ts";
import { TOKEN_REVOKE } from "../../spec/monitor.ts";
import { tokenBackend } from "./store.ts";

export default defineCommand({
  args: TOKEN_REVOKE.args,
  async run({ args, rawArgs }) {
    const { tokens, flags } = await tokenBackend(args, rawArgs);
    const n = await tokens.revoke(args.target);
    if (n === 0) {
      throw new EdgeMlError("ERR_BAD_INPUT", `no active token matches "${args.target}"`, {
        hint: `see the tokens with: npx edge-ml monitor token list ${flags}`,
      });
    }
    if (args.json) return printJson({ target: args.target, revoked: n });
    console.log(`${green("✔")} revoked ${n} token${n === 1 ? "" : "s"} (${args.target}); ingest with ${n === 1 ? "it" : "them"} now gets 401`);
  },
});
