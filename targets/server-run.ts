/**
 * The shell line that runs a Node or Deno build from its folder, for the CLI's "next" line: the env its looked-up
 * feature views need (runtime/features/server-stores.ts decides the same way at start) and, on Deno, the narrowest
 * permissions that work. `F=…` is its own command before the run: `F=x cmd --allow-read=$F` would expand `$F` before
 * the assignment, to nothing.
 *
 * - snapshot views (`memory` everywhere, `deno-kv` on Node): `EDGE_ML_FEATURES_DIR` names the folder `features push`
 *   writes (the project's .edge-ml/features), which Deno must be allowed to read;
 * - `deno-kv` views on Deno: a Deno KV file (`EDGE_ML_DENO_KV`) the server may write, and `--unstable-kv`;
 * - views the server cannot open (Workers KV, D1, `fetch`): a feature service at `EDGE_ML_FEATURES_URL`.
 *
 * @example
 * ```ts
 * serverRunLine("node", [plan]); // "EDGE_ML_FEATURES_URL=<feature service> node server.mjs" for a Workers KV view
 * ```
 */
import { SNAPSHOT_STORES } from "../runtime/features/server-stores.ts";
import type { LookupPlan, LookupView } from "../runtime/features/types.ts";

type Store = LookupView["store"];

/** Stores a server opens itself (targets/deno/features.ts: Deno KV). */
const NATIVE_STORES: Record<"node" | "deno", readonly Store[]> = { node: [], deno: ["deno-kv"] };

export function serverRunLine(runtime: "node" | "deno", lookups: readonly LookupPlan[]): string {
  const stores = new Set(lookups.flatMap((l) => Object.values(l.views).map((v) => v.store)));
  const snapshot: readonly Store[] = SNAPSHOT_STORES[runtime];
  const snapshots = [...stores].some((s) => snapshot.includes(s));
  const denoKv = runtime === "deno" && stores.has("deno-kv");
  const service = [...stores].some((s) => !snapshot.includes(s) && !NATIVE_STORES[runtime].includes(s));
  const dirNeeded = snapshots || denoKv; // Deno loads deno-kv views' snapshots into its KV file at start
  const env = [
    dirNeeded ? "EDGE_ML_FEATURES_DIR=$F" : "",
    denoKv ? "EDGE_ML_DENO_KV=./features.sqlite3" : "",
    service ? "EDGE_ML_FEATURES_URL=<feature service>" : "",
  ].filter((s) => s !== "");
  const command =
    runtime === "node"
      ? "node server.mjs"
      : `deno run --allow-net --allow-env --allow-read=.${dirNeeded ? ",$F" : ""}${denoKv ? " --allow-write=. --unstable-kv" : ""} server.js`;
  return `${dirNeeded ? "F=<project>/.edge-ml/features && " : ""}${[...env, command].join(" ")}`;
}
