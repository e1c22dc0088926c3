/**
 * Where a long-lived server (Node, Deno) reads each looked-up view from, decided once at start so that a view it
 * cannot read stops the server with a message instead of failing every request:
 *
 * - a store the target reads itself (`native`: Deno KV on Deno);
 * - a view's snapshot, `<EDGE_ML_FEATURES_DIR>/<view>/latest.jsonl` (what `edge-ml features push` writes for `memory`
 *   and `deno-kv` views), held in memory: `memory` views everywhere, `deno-kv` views on Node;
 * - a feature service over HTTP (`EDGE_ML_FEATURES_URL`, with `EDGE_ML_FEATURES_TOKEN` as a bearer token; the
 *   contract is runtime/features/fetch-reader.ts) for views whose store the server cannot open (Workers KV and D1
 *   live inside Cloudflare) and for `fetch` views.
 *
 * Portable: the target passes how to read a file and its env.
 *
 * @example
 * ```ts
 * const stores = await openServerStores(plan, { runtime: "Node", env: process.env, readText: (p) => readFile(p, "utf8").catch(() => undefined), snapshotStores: ["memory", "deno-kv"] });
 * stores?.reader.read("customer", ["c-42"]);
 * stores?.summary; // ['customer: memory, 1,203 keys from /srv/features/customer/latest.jsonl']
 * ```
 */
import { createFetchReader } from "./fetch-reader.ts";
import { createMemoryReader, parseSnapshot, type ViewRecords } from "./memory-reader.ts";
import type { FeatureStoreReader, LookupPlan, LookupView } from "./types.ts";

type Store = LookupView["store"];

/** The env vars a server's feature stores read. */
export const FEATURES_ENV = {
  /** Folder of the snapshots: `<dir>/<view>/latest.jsonl` (a project's `.edge-ml/features`). */
  dir: "EDGE_ML_FEATURES_DIR",
  /** A feature service's endpoint (fetch-reader.ts's contract). */
  url: "EDGE_ML_FEATURES_URL",
  /** Sent to that service as `authorization: Bearer <token>`. */
  token: "EDGE_ML_FEATURES_TOKEN",
} as const;

/** The stores each long-lived server reads from the views' snapshots, held in memory (Deno opens Deno KV itself). */
export const SNAPSHOT_STORES = { node: ["memory", "deno-kv"], deno: ["memory"] } as const satisfies Record<string, readonly Store[]>;

export interface ServerStoreOptions {
  /** The runtime's name in messages ("Node", "Deno"). */
  runtime: string;
  env: Readonly<Record<string, string | undefined>>;
  /** A file's text, or undefined when it does not exist (other failures throw). */
  readText(path: string): Promise<string | undefined>;
  /** Stores this server serves from the views' snapshots, held in memory. */
  snapshotStores: readonly Store[];
  /** Stores this server opens itself: given the views on that store, a reader for them and a line per view. */
  native?: Partial<Record<Store, (views: string[]) => Promise<{ reader: FeatureStoreReader; summary: string[] }>>>;
}

export interface ServerStores {
  /** Reads each view from where it was found. */
  reader: FeatureStoreReader;
  /** One line per view, for the start-up log: where its values come from. */
  summary: string[];
}

const STORE_NAMES: Record<Store, string> = {
  kv: "Workers KV",
  d1: "D1",
  "deno-kv": "Deno KV",
  memory: "memory (a snapshot file)",
  fetch: "a feature service over HTTP",
};

/** The snapshot file of a view under a snapshot folder (forward slashes: Node and Deno take them on every OS). */
export const snapshotPath = (dir: string, view: string): string => `${dir.replace(/[\\/]+$/, "")}/${view}/latest.jsonl`;

/** Decide and open every view's store; undefined when the model looks nothing up. Throws one Error listing every view it cannot serve. */
export async function openServerStores(plan: LookupPlan | undefined, opts: ServerStoreOptions): Promise<ServerStores | undefined> {
  const views = Object.entries(plan?.views ?? {});
  if (views.length === 0) return undefined;
  const env = (name: string) => (opts.env[name] === "" ? undefined : opts.env[name]);
  const dir = env(FEATURES_ENV.dir);
  const url = env(FEATURES_ENV.url);
  const token = env(FEATURES_ENV.token);
  const byView = new Map<string, FeatureStoreReader>();
  const summary: string[] = [];
  const problems: string[] = [];
  const snapshots: Record<string, ViewRecords> = {};
  type Opener = NonNullable<ServerStoreOptions["native"]>[Store] & {};
  const nativeViews = new Map<Opener, string[]>();
  const remote = url === undefined ? undefined : createFetchReader({ url, headers: token === undefined ? undefined : { authorization: `Bearer ${token}` } });

  for (const [name, view] of views) {
    const open = opts.native?.[view.store];
    if (open !== undefined) {
      nativeViews.set(open, [...(nativeViews.get(open) ?? []), name]);
    } else if (opts.snapshotStores.includes(view.store)) {
      if (dir === undefined) {
        problems.push(
          `view "${name}" (store ${view.store}) is read from its snapshot, and ${FEATURES_ENV.dir} is not set: set it to the folder \`edge-ml features push\` writes (the project's .edge-ml/features, holding ${name}/latest.jsonl)`,
        );
        continue;
      }
      const file = snapshotPath(dir, name);
      const text = await opts.readText(file);
      if (text === undefined) {
        problems.push(
          `view "${name}" (store ${view.store}): ${file} does not exist; run \`edge-ml features push ${name} <csv>\`, or point ${FEATURES_ENV.dir} at the folder holding it`,
        );
        continue;
      }
      snapshots[name] = parseSnapshot(text, file);
      summary.push(`${name}: ${view.store}, ${snapshots[name].size.toLocaleString("en-US")} keys from ${file}`);
    } else if (remote !== undefined) {
      byView.set(name, remote);
      summary.push(`${name}: ${view.store} view read from ${url}`);
    } else {
      problems.push(
        `view "${name}" is stored in ${STORE_NAMES[view.store]}, which a ${opts.runtime} server cannot open: set ${FEATURES_ENV.url} to a feature service answering its lookups (POST { view, keys } ▶ { records }), or give the view store "memory" in edge-ml.config.ts and push it again`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`edge-ml: cannot serve the model's looked-up features on ${opts.runtime}:\n  - ${problems.join("\n  - ")}`);

  const memory = createMemoryReader(snapshots);
  for (const name of Object.keys(snapshots)) byView.set(name, memory);
  for (const [open, names] of nativeViews) {
    const opened = await open(names);
    for (const name of names) byView.set(name, opened.reader);
    summary.push(...opened.summary);
  }
  return {
    summary,
    reader: {
      read(view, keys) {
        const reader = byView.get(view);
        if (reader === undefined) return Promise.reject(new Error(`feature view "${view}" is not one this server opened (${[...byView.keys()].join(", ")})`));
        return reader.read(view, keys);
      },
    },
  };
}
