/**
 * The Deno server's feature stores, opened at start (runtime/features/server-stores.ts decides per view):
 * - `deno-kv` views read Deno KV: the database at `EDGE_ML_DENO_KV` (a file path, or a remote database's URL), or
 *   `Deno.openKv()`'s default without it (on Deno Deploy, the project's managed database). When
 *   `EDGE_ML_FEATURES_DIR` names a snapshot folder (what `edge-ml features push` writes; `edge-ml dev` passes the
 *   project's), each view's `latest.jsonl` is loaded into that database before the server listens, keeping newer
 *   values already there; without it the server reads what the database holds.
 * - `memory` views are read from their snapshot into memory; `kv`/`d1` views through `EDGE_ML_FEATURES_URL`.
 *
 * @example
 * ```ts
 * const features = await openDenoFeatures(plan, Deno, Deno.env.toObject());
 * features?.summary.forEach((line) => console.log(line));
 * ```
 */
import { parseSnapshot } from "../../runtime/features/memory-reader.ts";
import { FEATURES_ENV, openServerStores, type ServerStores, SNAPSHOT_STORES, snapshotPath } from "../../runtime/features/server-stores.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import { createDenoKvReader, type DenoKvLike, loadSnapshotIntoKv } from "./kv-features.ts";

/** The env var naming the Deno KV database of `deno-kv` views. */
export const DENO_KV_ENV = "EDGE_ML_DENO_KV";

/** The slice of the Deno namespace feature stores use. */
export interface DenoFeaturesLike {
  openKv(path?: string): Promise<DenoKvLike>;
  readTextFile(path: string): Promise<string>;
}

export interface DenoFeatures extends ServerStores {
  /** Close the Deno KV database, if one was opened. */
  close(): void;
}

const isNotFound = (err: unknown) => (err as Error).name === "NotFound";

export async function openDenoFeatures(
  plan: LookupPlan | undefined,
  deno: DenoFeaturesLike,
  env: Readonly<Record<string, string>>,
): Promise<DenoFeatures | undefined> {
  let kv: DenoKvLike | undefined;
  const readText = (path: string) => deno.readTextFile(path).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
  const openKvViews = async (names: string[]) => {
    const path = env[DENO_KV_ENV] || undefined;
    const what = `the Deno KV database ${path ?? "(Deno's default)"} of feature views ${names.join(", ")}`;
    // Deno 2 has Deno.openKv only with --unstable-kv.
    if (typeof deno.openKv !== "function") throw new Error(`edge-ml: cannot open ${what}: Deno KV is off; run deno with --unstable-kv`);
    try {
      kv = await deno.openKv(path);
    } catch (err) {
      throw new Error(
        `edge-ml: cannot open ${what}: ${(err as Error).message} (check ${DENO_KV_ENV}, and that deno may read and write it: --allow-read, --allow-write)`,
        {
          cause: err,
        },
      );
    }
    const where = path ?? "Deno's default KV database";
    const summary: string[] = [];
    const dir = env[FEATURES_ENV.dir] || undefined;
    for (const name of names) {
      const file = dir === undefined ? undefined : snapshotPath(dir, name);
      const text = file === undefined ? undefined : await readText(file);
      if (file === undefined || text === undefined) {
        summary.push(`${name}: deno-kv, read from ${where}${file === undefined ? "" : ` (no snapshot at ${file} to load)`}`);
        continue;
      }
      const loaded = await loadSnapshotIntoKv(kv, name, parseSnapshot(text, file), { ttlMs: plan?.views[name]?.ttlMs });
      const kept = loaded.kept > 0 ? `, ${loaded.kept} kept newer values` : "";
      const same = loaded.unchanged > 0 ? `, ${loaded.unchanged} unchanged` : "";
      const expired = loaded.expired > 0 ? `, ${loaded.expired} past the ttl skipped` : "";
      summary.push(`${name}: deno-kv, ${where}; loaded ${file} (${loaded.written} written${same}${kept}${expired})`);
    }
    return { reader: createDenoKvReader(kv), summary };
  };
  const stores = await openServerStores(plan, { runtime: "Deno", env, readText, snapshotStores: SNAPSHOT_STORES.deno, native: { "deno-kv": openKvViews } });
  return stores && { ...stores, close: () => kv?.close() };
}
