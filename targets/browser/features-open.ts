/**
 * The page's feature stores opened (see ./features.ts, which loads this module on demand): each view's `loadModel`
 * option checked and turned into a reader (records and snapshots in memory, a feature service by fetch, or the page's
 * own reader), one reader over all of them for the predictor.
 *
 * @example
 * ```ts
 * const lookup = await openStores(plan, { passenger: { records: [{ key: "7", values: { sex: "male" } }] } });
 * ```
 */
import { createFetchReader } from "../../runtime/features/fetch-reader.ts";
import { createMemoryReader, parseSnapshot, type ViewRecords } from "../../runtime/features/memory-reader.ts";
import { readRecord } from "../../runtime/features/record.ts";
import type { FeatureStoreReader, LookupPlan } from "../../runtime/features/types.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const SHAPES = "{ records: [{ key, values }] }, { snapshotUrl }, { url } or an object with read(view, keys)";

/** One view's records from page data, or a page error naming the option. */
function pageRecords(view: string, records: unknown, now: number): ViewRecords {
  const where = `loadModel: features.${view}.records`;
  if (!Array.isArray(records)) throw new TypeError(`${where} must be an array of { key, values, ts? }`);
  const out = new Map<string, ReturnType<typeof readRecord>>();
  records.forEach((r: unknown, i) => {
    const key = isObject(r) ? r["key"] : undefined;
    if (typeof key !== "string" || key === "") throw new TypeError(`${where}[${i}].key must be the entity key as text`);
    out.set(key, readRecord(r, `${where}[${i}]`, now));
  });
  return out;
}

async function fetchSnapshot(view: string, url: string | URL): Promise<ViewRecords> {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const href = new URL(url, page).href;
  let response: Response;
  try {
    response = await fetch(href);
  } catch (err) {
    throw new Error(`loadModel: cannot fetch features.${view}.snapshotUrl (${href}): ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`loadModel: cannot fetch features.${view}.snapshotUrl (${href}): HTTP ${response.status}`);
  return parseSnapshot(await response.text(), href);
}

/** Every view of `plan` with its store from `stores` (loadModel's `features`), as one reader. */
export async function openStores(
  plan: LookupPlan,
  stores: Readonly<Record<string, unknown>> | undefined,
): Promise<{ plan: LookupPlan; reader: FeatureStoreReader }> {
  const views = Object.entries(plan.views);
  const missing = views.filter(([name]) => !isObject(stores) || !Object.hasOwn(stores, name));
  if (missing.length > 0) {
    const lines = missing.map(([name, v]) => `${v.features.join(", ")} from view "${name}" (by ${v.key})`);
    throw new TypeError(
      `loadModel: the model looks up ${lines.join("; ")}; pass features: { ${missing.map(([n]) => `${n}: ...`).join(", ")} }, each ${SHAPES}`,
    );
  }
  const now = Date.now();
  const memory: Record<string, ViewRecords> = {};
  const byView = new Map<string, FeatureStoreReader>();
  await Promise.all(
    views.map(async ([name]) => {
      const store = (stores as Readonly<Record<string, unknown>>)[name];
      if (!isObject(store)) throw new TypeError(`loadModel: features.${name} must be ${SHAPES}`);
      if (typeof store["read"] === "function") byView.set(name, store as unknown as FeatureStoreReader);
      else if ("records" in store) memory[name] = pageRecords(name, store["records"], now);
      else if (typeof store["snapshotUrl"] === "string" || store["snapshotUrl"] instanceof URL) memory[name] = await fetchSnapshot(name, store["snapshotUrl"]);
      else if (typeof store["url"] === "string" || store["url"] instanceof URL) {
        const { url, headers, timeoutMs } = store as { url: string | URL; headers?: Record<string, string>; timeoutMs?: number };
        byView.set(name, createFetchReader({ url, headers, timeoutMs }));
      } else throw new TypeError(`loadModel: features.${name} must be ${SHAPES}`);
    }),
  );
  const inMemory = createMemoryReader(memory);
  for (const name of Object.keys(memory)) byView.set(name, inMemory);
  return { plan, reader: { read: (view, keys) => (byView.get(view) as FeatureStoreReader).read(view, keys) } };
}
