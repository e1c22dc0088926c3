/**
 * Looked-up features on Deno KV (`deno-kv` views): the reader the Deno server reads them with, and the loader that
 * writes a view's snapshot (`edge-ml features push` writes `.edge-ml/features/<view>/latest.jsonl`) into a Deno KV
 * database. Keys are `[view, key]`, each value the key's `FeatureRecord` (core/feature-views-layout.ts).
 *
 * Reading: Deno KV's `getMany` takes at most 10 keys, so a request's keys go in chunks of 10, all in flight at once
 * (one logical round trip). Loading keeps push's rule: a key's value is replaced only by one whose `ts` is at or after
 * the stored one (checked in the same atomic operation as the write), so loading an older snapshot never moves a key
 * back in time; with a ttl, Deno KV expires the entry itself (`expireIn`) and the reader still checks the ttl.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv("features.sqlite3");
 * await loadSnapshotIntoKv(kv, "customer", parseSnapshot(await Deno.readTextFile("customer/latest.jsonl"), "customer/latest.jsonl"));
 * const reader = createDenoKvReader(kv);
 * await reader.read("customer", ["c-42", "c-0"]); // [{ values: { plan: "pro" }, ts, pushedAt }, undefined]
 * ```
 */
import { type FeatureRecord, isExpired } from "../../core/feature-views-layout.ts";
import { readRecord } from "../../runtime/features/record.ts";
import type { FeatureStoreReader } from "../../runtime/features/types.ts";

type KvKey = readonly [string, string];
interface KvEntry {
  key: readonly unknown[];
  value: unknown;
  versionstamp: string | null;
}

/** The slice of `Deno.Kv` these functions use (portable code has no Deno types). */
export interface DenoKvLike {
  getMany(keys: KvKey[]): Promise<KvEntry[]>;
  atomic(): DenoKvAtomicLike;
  close(): void;
}
interface DenoKvAtomicLike {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): DenoKvAtomicLike;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/** Deno KV's limit on keys per `getMany`. */
const KV_GET_MANY_MAX = 10;
/** Chunks loaded at once: each is a getMany and one atomic commit. */
const LOAD_CONCURRENCY = 16;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** The reader of `deno-kv` views on an open Deno KV database. A value that is not a FeatureRecord throws (a 503), naming its key. */
export function createDenoKvReader(kv: DenoKvLike): FeatureStoreReader {
  return {
    async read(view, keys) {
      const parts = await Promise.all(chunks(keys, KV_GET_MANY_MAX).map((part) => kv.getMany(part.map((k): KvKey => [view, k]))));
      return parts
        .flat()
        .map((entry, i) => (entry.value === null ? undefined : readRecord(entry.value, `Deno KV entry ["${view}", ${JSON.stringify(keys[i])}]`)));
    },
  };
}

/**
 * Write a view's records into Deno KV; a key whose stored `ts` is newer keeps its value, and a key already holding
 * the same push's value (same `ts` and `pushedAt`: a server restarted on the same snapshot) is not written again. With
 * `ttlMs`, entries expire `ttlMs` after their `ts` and records already past it are not written. Returns the counts.
 */
export async function loadSnapshotIntoKv(
  kv: DenoKvLike,
  view: string,
  records: ReadonlyMap<string, FeatureRecord>,
  opts: { ttlMs?: number | undefined; now?: number } = {},
): Promise<{ written: number; kept: number; unchanged: number; expired: number }> {
  const now = opts.now ?? Date.now();
  const total = { written: 0, kept: 0, unchanged: 0, expired: 0 };
  const live = [...records].filter(([, r]) => {
    const expired = isExpired(r, opts.ttlMs, now);
    if (expired) total.expired++;
    return !expired;
  });
  const loadChunk = async (part: [string, FeatureRecord][]): Promise<void> => {
    // A concurrent writer changed one of these keys between the read and the commit: read again and retry.
    for (;;) {
      const stored = await kv.getMany(part.map(([k]): KvKey => [view, k]));
      const op = kv.atomic();
      let [written, kept, unchanged] = [0, 0, 0];
      part.forEach(([key, record], i) => {
        const old = stored[i] as KvEntry;
        const was = old.value as Partial<FeatureRecord> | null;
        if (typeof was?.ts === "number" && was.ts > record.ts) return void kept++;
        // The same push loaded again (a restart): nothing to write.
        if (was?.ts === record.ts && was.pushedAt === record.pushedAt) return void unchanged++;
        const expireIn = opts.ttlMs === undefined ? undefined : Math.max(1, record.ts + opts.ttlMs - now);
        op.check({ key: [view, key], versionstamp: old.versionstamp }).set([view, key], record, expireIn === undefined ? {} : { expireIn });
        written++;
      });
      if (written === 0 || (await op.commit()).ok) {
        total.written += written;
        total.kept += kept;
        total.unchanged += unchanged;
        return;
      }
    }
  };
  const queue = chunks(live, KV_GET_MANY_MAX);
  await Promise.all(
    Array.from({ length: Math.min(LOAD_CONCURRENCY, queue.length) }, async () => {
      for (let part = queue.shift(); part !== undefined; part = queue.shift()) await loadChunk(part);
    }),
  );
  return total;
}
