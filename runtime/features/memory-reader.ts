/**
 * A feature store held in memory: the store of `memory` views on Node and in pages, and of `deno-kv` views on Node.
 * Its data is a view's snapshot, the `latest.jsonl` that `edge-ml features push` writes
 * (`.edge-ml/features/<view>/latest.jsonl`, one `{ key, values, ts, pushedAt }` per line,
 * core/feature-views-layout.ts), parsed by `parseSnapshot`, or records page code passes in. Portable: the caller reads
 * the file (Node's fs, Deno.readFile, fetch in a page).
 *
 * @example
 * ```ts
 * const customer = parseSnapshot(await readFile(".edge-ml/features/customer/latest.jsonl", "utf8"), "customer/latest.jsonl");
 * const reader = createMemoryReader({ customer });
 * await reader.read("customer", ["c-42", "c-0"]); // [{ values: { plan: "pro", ... }, ts, pushedAt }, undefined]
 * ```
 */
import type { FeatureRecord } from "../../core/feature-views-layout.ts";
import { readRecord } from "./record.ts";
import type { FeatureStoreReader } from "./types.ts";

/** One view's records by key. */
export type ViewRecords = ReadonlyMap<string, FeatureRecord>;

/**
 * A snapshot file's text ▶ records by key. A bad line throws an Error naming `where:<line>`. A key listed twice keeps
 * its latest value (greatest `ts`; on a tie the later line), the rule push applies to its stores.
 */
export function parseSnapshot(text: string, where: string): Map<string, FeatureRecord> {
  const records = new Map<string, FeatureRecord>();
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    if (raw.trim() === "") continue;
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch {
      throw new Error(`${where}:${line}: not JSON; a snapshot holds one { "key", "values", "ts", "pushedAt" } per line (written by edge-ml features push)`);
    }
    const key = (doc as { key?: unknown } | null)?.key;
    if (typeof key !== "string" || key === "") throw new Error(`${where}:${line}: expected "key", the entity key as text`);
    const record = readRecord(doc, `${where}:${line}`);
    const old = records.get(key);
    if (old === undefined || old.ts <= record.ts) records.set(key, record);
  }
  return records;
}

/**
 * A reader over records held in memory, by view. Reading a view it does not hold throws (the request is a 503): a
 * view without data is a deployment mistake, not a miss on every key.
 */
export function createMemoryReader(views: Readonly<Record<string, ViewRecords>>): FeatureStoreReader {
  return {
    async read(view, keys) {
      const records = Object.hasOwn(views, view) ? views[view] : undefined;
      if (records === undefined) throw new Error(`no records were loaded for feature view "${view}" (loaded: ${Object.keys(views).join(", ") || "none"})`);
      return keys.map((key) => records.get(key));
    },
  };
}
