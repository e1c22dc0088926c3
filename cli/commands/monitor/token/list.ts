/**
 * `edge-ml monitor token list [--db .edge-ml/monitor.db | --store postgres://… | --url https://…] [--json]`: ids and
 * prefixes (tokens themselves are not stored).
 */
import { defineCommand } from "citty";
import { printJson } from "../../../terminal/json.ts";
import { TOKEN_LIST } from "../../spec/monitor.ts";
import { tokenBackend } from "./store.ts";

export default defineCommand({
  args: TOKEN_LIST.args,
  async run({ args, rawArgs }) {
    const { tokens: backend, flags } = await tokenBackend(args, rawArgs);
    const tokens = await backend.list();
    if (args.json) return printJson(tokens);
    if (tokens.length === 0) {
      console.log(`no tokens yet: npx edge-ml monitor token create <deployment> ${flags}`);
      return;
    }
    for (const t of tokens) {
      const state = t.revokedAt === null ? "active" : `revoked ${new Date(t.revokedAt).toISOString()}`;
      console.log(`${t.id}\t${t.deployment}\t${t.prefix}…\tcreated ${new Date(t.createdAt).toISOString()}\t${state}`);
    }
  },
});
