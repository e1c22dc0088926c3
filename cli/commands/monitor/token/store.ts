/**
 * The monitor commands' store: `--store` (a postgres:// URL, sqlite:<file> or a file), else an explicit `--db`, else
 * $EDGE_ML_MONITOR_STORE, else the default SQLite file of `--db`. Token commands open it for one piece of work and
 * always close it, or, given `--url`, ask a running monitor's token API instead (./remote.ts).
 *
 * @example
 * ```ts
 * const spec = storeSpec(args, rawArgs); // "postgres://monitor@db:5432/monitor" or ".edge-ml/monitor.db"
 * await withStore(spec, (store) => store.listTokens());
 * const { tokens, flags } = await tokenBackend(args, rawArgs); // flags: "--url https://…" or "--db …", for printed commands
 * ```
 */
import type { MonitorStore } from "../../../../monitor/store/contract.ts";
import { describeStore, openStore } from "../../../../monitor/store/open.ts";
import { createToken } from "../../../../monitor/tokens.ts";
import { UsageError } from "../../../terminal/errors.ts";
import { readSecret } from "../../../terminal/secret.ts";
import { remoteTokens, type TokenBackend } from "./remote.ts";

/** `--db` on the command line (its default alone does not count). */
const dbGiven = (rawArgs: readonly string[]): boolean => rawArgs.some((a) => a === "--db" || a.startsWith("--db="));

export function storeSpec(args: { store?: string | undefined; db: string }, rawArgs: readonly string[]): string {
  if (args.store !== undefined && args.store !== "") return args.store;
  const env = process.env["EDGE_ML_MONITOR_STORE"];
  return !dbGiven(rawArgs) && env !== undefined && env !== "" ? env : args.db;
}

/** The flag that names this store again in a printed command (the URL's password left out). */
export function storeFlag(spec: string, args: { db: string }): string {
  if (spec === args.db) return `--db ${args.db}`;
  return spec === process.env["EDGE_ML_MONITOR_STORE"] ? `--store "$EDGE_ML_MONITOR_STORE"` : `--store ${describeStore(spec)}`;
}

async function withStore<T>(spec: string, work: (store: MonitorStore) => Promise<T>): Promise<T> {
  const store = await openStore(spec);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

interface TokenArgs {
  store?: string | undefined;
  db: string;
  url?: string | undefined;
  "admin-token"?: string | undefined;
  "admin-token-file"?: string | undefined;
}

/** Where the token commands work: a running monitor's API (`--url`) or its store; `flags` name it again in hints. */
export async function tokenBackend(args: TokenArgs, rawArgs: readonly string[]): Promise<{ tokens: TokenBackend; flags: string }> {
  if (args.url !== undefined && args.url !== "") {
    if ((args.store !== undefined && args.store !== "") || dbGiven(rawArgs)) {
      throw new UsageError("--url and --store/--db both say which monitor", {
        hint: "keep --url for a running monitor (its token API), or --store/--db for its database on this machine",
      });
    }
    if (!/^https?:\/\/[^/]/.test(args.url)) {
      throw new UsageError(`--url ${args.url} is not an http(s) address`, {
        hint: "give the monitor's address, e.g. --url https://edge-ml-monitor.<account>.workers.dev",
      });
    }
    const adminToken = await readSecret({
      flag: "admin-token",
      env: "EDGE_ML_MONITOR_ADMIN_TOKEN",
      value: args["admin-token"],
      file: args["admin-token-file"],
    });
    return { tokens: remoteTokens(args.url, adminToken), flags: `--url ${args.url}` };
  }
  const spec = storeSpec(args, rawArgs);
  return {
    tokens: {
      create: (deployment) => withStore(spec, (store) => createToken(store, deployment)),
      list: () => withStore(spec, (store) => store.listTokens()),
      revoke: (target) => withStore(spec, (store) => store.revokeTokens(target, Date.now())),
    },
    flags: storeFlag(spec, args),
  };
}
