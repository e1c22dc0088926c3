/** `edge-ml monitor token create <deployment> | list | revoke <deployment|id>  [--db .edge-ml/monitor.db] [--json]` */
import { defineCommand } from "citty";
import { resolve } from "node:path";
import { EdgeMlError } from "../../../core/errors.ts";
import { openSqliteStore } from "../../../monitor/store/sqlite/store.ts";
import type { MonitorStore } from "../../../monitor/store/contract.ts";
import { createToken } from "../../../monitor/tokens.ts";
import { bold, dim, green } from "../../terminal/output.ts";
import { DEFAULT_MONITOR_DB } from "./serve.ts";

const db = { type: "string", description: "SQLite database file", default: DEFAULT_MONITOR_DB } as const;
const json = { type: "boolean", description: "print JSON" } as const;

async function withStore<T>(file: string, work: (store: MonitorStore) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ file: resolve(file) });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const create = defineCommand({
  meta: { name: "create", description: "Create an ingest token for a deployment (printed once)" },
  args: { deployment: { type: "positional", required: true, description: "deployment name, e.g. titanic-prod" }, db, json },
  async run({ args }) {
    const t = await withStore(args.db, (store) => createToken(store, args.deployment));
    if (args.json) {
      console.log(JSON.stringify({ id: t.id, deployment: t.deployment, token: t.token }));
      return;
    }
    console.log(`${green("✔")} ingest token ${bold(t.id)} for deployment ${bold(t.deployment)}:`);
    console.log(t.token);
    console.log(dim("  shown once (only its hash is stored). On Workers: npx wrangler secret put EDGE_ML_MONITOR_TOKEN"));
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List ingest tokens (ids and prefixes; tokens themselves are not stored)" },
  args: { db, json },
  async run({ args }) {
    const tokens = await withStore(args.db, (store) => store.listTokens());
    if (args.json) {
      console.log(JSON.stringify(tokens, null, 2));
      return;
    }
    if (tokens.length === 0) {
      console.log(`no tokens yet: npx edge-ml monitor token create <deployment> --db ${args.db}`);
      return;
    }
    for (const t of tokens) {
      const state = t.revokedAt === null ? "active" : `revoked ${new Date(t.revokedAt).toISOString()}`;
      console.log(`${t.id}\t${t.deployment}\t${t.prefix}…\tcreated ${new Date(t.createdAt).toISOString()}\t${state}`);
    }
  },
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke a token by id, or every token of a deployment" },
  args: { target: { type: "positional", required: true, description: "token id (tok_…) or deployment name" }, db },
  async run({ args }) {
    const n = await withStore(args.db, (store) => store.revokeTokens(args.target, Date.now()));
    if (n === 0) {
      throw new EdgeMlError("ERR_USAGE", `no active token matches "${args.target}"`, {
        hint: `see the tokens with: npx edge-ml monitor token list --db ${args.db}`,
      });
    }
    console.log(`${green("✔")} revoked ${n} token${n === 1 ? "" : "s"} (${args.target}); ingest with ${n === 1 ? "it" : "them"} now gets 401`);
  },
});

export default defineCommand({
  meta: { name: "token", description: "Manage the ingest tokens of deployments" },
  subCommands: { create, list, revoke },
});
