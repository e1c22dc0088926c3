/**
 * Write feature views' latest values to their real Cloudflare stores (issue 16): what `edge-ml features push`
 * materialized in the local store (feature-source.ts reads it back), the same documents under the same keys, to the
 * KV namespace / D1 database of `targets.worker.features` (feature-bindings.ts). `edge-ml deploy` runs it BEFORE the
 * Worker version goes live, so the new version never serves with an empty store; `features push --remote` runs it
 * for one view.
 *
 * - **kv**: `wrangler kv bulk put <file> --namespace-id <id> --remote`, the file a JSON array of `{key, value,
 *   expiration?}` (key `<view>:<key>`, value the document's JSON text, expiration `ts + ttl` in epoch seconds), split
 *   at KV's bulk limits: 10,000 pairs and 100 MB a file. KV has no conditional write: a bulk put replaces what the
 *   namespace holds by what this machine's local store holds (which itself never moves a key back in time).
 * - **d1**: `wrangler d1 execute <db> --remote --file <sql> --yes`: `CREATE TABLE IF NOT EXISTS feature_view_<view>`,
 *   then multi-row upserts of at most 100 KB each (D1's statement limit) that never move a key back in time
 *   (`ON CONFLICT(key) DO UPDATE ... WHERE excluded.ts >= feature_view_<view>.ts`), 10,000 rows a file: D1 answers no
 *   query while a file is imported, so imports are kept short.
 *
 * Keys already past the view's ttl are left out (the edge would not serve them). A dry run reads the local store and
 * reports per view what would be written (keys, bytes, samples), and writes nothing. The files are written under
 * `.edge-ml/features/.deploy/` and removed after success; on a failure they stay, and the error names the view and
 * the wrangler command that failed, with wrangler's output.
 *
 * @example
 * ```ts
 * const r = await pushFeatureStores({ root, views: [["customer", view]], ids: { kvNamespaceId }, worker: "titanic", dryRun: true, env: process.env });
 * r.views[0]; // { view: "customer", store: "kv", keys: 1200, bytes: 153_600, samples: ["customer:c-1", ...], ... }
 * ```
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { FeatureView } from "../../core/feature-views.ts";
import { d1Table, FEATURE_D1_BINDING, FEATURE_KV_BINDING, isExpired, kvKey } from "../../core/feature-views-layout.ts";
import { wranglerFailure } from "../../targets/worker/deploy.ts";
import { type FeatureStoreIds, featureStoresKey } from "../../targets/worker/feature-bindings.ts";
import { isAuthFailure, runWrangler, wranglerTimeoutMs } from "../../targets/worker/wrangler.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { openViewSource, type StoredDoc } from "./feature-source.ts";

/** KV's bulk write: at most 10,000 pairs and less than 100 MB a request. */
const KV_FILE_PAIRS = 10_000;
const KV_FILE_BYTES = 100_000_000;
/** D1: at most 100,000 bytes a statement; rows per imported file (D1 serves no query during an import). */
const D1_STATEMENT_BYTES = 100_000;
const D1_FILE_ROWS = 10_000;
/** KV refuses an expiration less than 60 s ahead; such a value is written without one (readers check the ttl). */
const MIN_EXPIRATION_S = 60;
const SAMPLES = 3;

/** What was (or would be) written for one view. */
export interface ViewPush {
  view: string;
  store: "kv" | "d1";
  binding: string;
  /** The KV namespace id, or `<database name> (<database id>)`. */
  destination: string;
  /** Keys written (or that would be), and keys left out because they are already past the ttl. */
  keys: number;
  expired: number;
  /** Bytes of the bulk files / SQL. */
  bytes: number;
  files: number;
  ttl?: string;
  /** A few of the keys as the store holds them (`<view>:<key>` in KV). */
  samples: string[];
}

export interface FeatureStorePush {
  dryRun: boolean;
  views: ViewPush[];
}

export interface FeatureStorePushOptions {
  root: string;
  /** The views to write, with their config (only kv and d1 views are written). */
  views: readonly (readonly [string, FeatureView])[];
  ids: FeatureStoreIds;
  /** Named in messages and in the reproduce hint (`--env`). */
  environment?: string;
  /** The Worker the stores belong to (wrangler's config needs a name). */
  worker: string;
  dryRun: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Expiry is judged at this time (tests fix it). */
  now?: number;
  /** Progress: each file as it is written (deploy prints it as a step on stderr). */
  onStep?: (step: string) => void;
  onOutput?: (chunk: string) => void;
  /** What a failed write leaves undone, for its hint (deploy: no Worker version went live). */
  failureNote?: string;
  /** Lower file limits (tests); the defaults are the platform's. */
  limits?: Partial<typeof LIMITS>;
}

const LIMITS = { kvPairs: KV_FILE_PAIRS, kvBytes: KV_FILE_BYTES, d1Rows: D1_FILE_ROWS, d1StatementBytes: D1_STATEMENT_BYTES };

/** SQL text literal. */
const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Cuts a stream of entries into files no larger than the limits; `emit` gets each file's text. */
function chunker(open: string, close: string, sep: string, maxItems: number, maxBytes: number, emit: (text: string, items: number) => Promise<void>) {
  let parts: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (parts.length === 0) return;
    const text = `${open}${parts.join(sep)}${close}`;
    const n = parts.length;
    parts = [];
    bytes = 0;
    await emit(text, n);
  };
  return {
    async add(item: string) {
      const size = Buffer.byteLength(item) + sep.length;
      if (parts.length >= maxItems || (parts.length > 0 && bytes + size + open.length + close.length > maxBytes)) await flush();
      parts.push(item);
      bytes += size;
    },
    flush,
  };
}

/** Groups upsert rows into statements of at most `maxBytes` (D1_STATEMENT_BYTES). */
function upserts(table: string, maxBytes: number) {
  const head = `INSERT INTO ${table} (key, doc, ts, pushed_at) VALUES\n`;
  const tail = `\nON CONFLICT(key) DO UPDATE SET doc = excluded.doc, ts = excluded.ts, pushed_at = excluded.pushed_at WHERE excluded.ts >= ${table}.ts;\n`;
  let rows: string[] = [];
  let bytes = head.length + tail.length;
  const statements: string[] = [];
  const close = () => {
    if (rows.length > 0) statements.push(`${head}${rows.join(",\n")}${tail}`);
    rows = [];
    bytes = head.length + tail.length;
  };
  return {
    add(row: string) {
      const size = Buffer.byteLength(row) + 2;
      if (rows.length > 0 && bytes + size > maxBytes) close();
      rows.push(row);
      bytes += size;
    },
    take(): string {
      close();
      return statements.splice(0).join("");
    },
  };
}

/** The wrangler config the push runs with: the Worker's name and the D1 database, so `d1 execute` finds it without an API lookup. */
function writeWranglerConfig(dir: string, worker: string, ids: FeatureStoreIds): void {
  const d1 = ids.d1 ? [{ binding: FEATURE_D1_BINDING, database_name: ids.d1.databaseName, database_id: ids.d1.databaseId }] : [];
  writeFileSync(join(dir, "wrangler.json"), `${JSON.stringify({ name: worker, compatibility_date: COMPATIBILITY_DATE, d1_databases: d1 }, null, 2)}\n`);
}

export async function pushFeatureStores(opts: FeatureStorePushOptions): Promise<FeatureStorePush> {
  const now = opts.now ?? Date.now();
  const dir = join(opts.root, ".edge-ml", "features", ".deploy", opts.environment ?? "default");
  const result: FeatureStorePush = { dryRun: opts.dryRun, views: [] };
  const views = opts.views.filter(([, v]) => v.store === "kv" || v.store === "d1");
  if (views.length === 0) return result;
  const source = await openViewSource(opts.root);
  try {
    // A view never pushed is refused before any view is written.
    for (const [name, view] of views) {
      const pages = source.pages(name, view.store as "kv" | "d1");
      const first = await pages.next();
      await pages.return(undefined);
      if (first.done === true) throw emptyView(name, view.store, opts.dryRun);
    }
    if (!opts.dryRun) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeWranglerConfig(dir, opts.worker, opts.ids);
    }
    for (const [name, view] of views) result.views.push(await pushView(opts, source, dir, name, view, now));
  } finally {
    await source.close();
  }
  if (!opts.dryRun) rmSync(dir, { recursive: true, force: true });
  return result;
}

async function pushView(
  opts: FeatureStorePushOptions,
  source: Awaited<ReturnType<typeof openViewSource>>,
  dir: string,
  name: string,
  view: FeatureView,
  now: number,
): Promise<ViewPush> {
  const store = view.store as "kv" | "d1";
  const { kvNamespaceId, d1 } = opts.ids;
  if (store === "kv" ? kvNamespaceId === undefined : d1 === undefined)
    throw new EdgeMlError("ERR_USAGE", `feature view "${name}" has no ${store === "kv" ? "KV namespace" : "D1 database"} to be written to`, {
      hint: `set ${featureStoresKey(opts.environment)}.${store === "kv" ? "kvNamespaceId" : "d1"} in edge-ml.config.ts`,
    });
  const destination = store === "kv" ? (kvNamespaceId as string) : `${d1?.databaseName} (${d1?.databaseId})`;
  const out: ViewPush = {
    view: name,
    store,
    binding: store === "kv" ? FEATURE_KV_BINDING : FEATURE_D1_BINDING,
    destination,
    keys: 0,
    expired: 0,
    bytes: 0,
    files: 0,
    ...(view.ttl === undefined ? {} : { ttl: view.ttl }),
    samples: [],
  };
  let written = 0;
  const emit = async (text: string, items: number) => {
    out.files++;
    out.bytes += Buffer.byteLength(text);
    written += items;
    if (opts.dryRun) return;
    const file = `${store}-${name}-${String(out.files).padStart(4, "0")}.${store === "kv" ? "json" : "sql"}`;
    writeFileSync(join(dir, file), text);
    opts.onStep?.(`writing feature view ${name} to ${store === "kv" ? "KV" : "D1"}: file ${out.files} (${written.toLocaleString("en-US")} keys so far)`);
    await runPush(opts, dir, name, store, file);
  };
  const table = d1Table(name);
  const create = `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL, ts INTEGER NOT NULL, pushed_at INTEGER NOT NULL);\n`;
  const limits = { ...LIMITS, ...opts.limits };
  const kvFiles = chunker("[\n", "\n]\n", ",\n", limits.kvPairs, limits.kvBytes, emit);
  const sql = upserts(table, limits.d1StatementBytes);
  let rowsInFile = 0;
  const take = (r: StoredDoc): boolean => {
    if (isExpired(r, view.ttlMs, now)) {
      out.expired++;
      return false;
    }
    out.keys++;
    if (out.samples.length < SAMPLES) out.samples.push(store === "kv" ? kvKey(name, r.key) : r.key);
    return true;
  };
  for await (const page of source.pages(name, store)) {
    for (const r of page) {
      if (!take(r)) continue;
      if (store === "kv") {
        const expiration = view.ttlMs === undefined ? undefined : Math.floor((r.ts + view.ttlMs) / 1000);
        const keep = expiration !== undefined && expiration >= now / 1000 + MIN_EXPIRATION_S;
        await kvFiles.add(JSON.stringify({ key: kvKey(name, r.key), value: r.doc, ...(keep ? { expiration } : {}) }));
      } else {
        const pushedAt = (JSON.parse(r.doc) as { pushedAt: number }).pushedAt;
        sql.add(`(${sqlText(r.key)}, ${sqlText(r.doc)}, ${r.ts}, ${pushedAt})`);
        if (++rowsInFile >= limits.d1Rows) {
          await emit(`${create}${sql.take()}`, rowsInFile);
          rowsInFile = 0;
        }
      }
    }
  }
  if (store === "kv") await kvFiles.flush();
  else if (rowsInFile > 0) await emit(`${create}${sql.take()}`, rowsInFile);
  return out;
}

function emptyView(name: string, store: string, dryRun: boolean): EdgeMlError {
  return new EdgeMlError(
    "ERR_USAGE",
    `feature view "${name}" has no values in the local store to ${dryRun ? "show" : "write"} to ${store === "kv" ? "KV" : "D1"}`,
    {
      hint: `materialize it first: npx edge-ml features push ${name} <csv> (what the local store holds is what goes to Cloudflare; nothing was written)`,
    },
  );
}

/** One wrangler run writing one file; its failure names the view and the command, with wrangler's output. */
async function runPush(opts: FeatureStorePushOptions, dir: string, view: string, store: "kv" | "d1", file: string): Promise<void> {
  const args =
    store === "kv"
      ? ["kv", "bulk", "put", file, "--namespace-id", opts.ids.kvNamespaceId as string, "--remote", "--config", "wrangler.json"]
      : ["d1", "execute", FEATURE_D1_BINDING, "--remote", "--file", file, "--yes", "--config", "wrangler.json"];
  const run = await runWrangler(dir, args, { env: opts.env, projectRoot: opts.root, ...(opts.onOutput ? { onOutput: opts.onOutput } : {}) });
  if (run.code === 0) return;
  if (isAuthFailure(run.output))
    throw new EdgeMlError("ERR_USAGE", `wrangler has no Cloudflare credentials to write feature view "${view}" with`, {
      hint: "run `npx wrangler login` once on this machine, or export CLOUDFLARE_API_TOKEN (with Workers KV / D1 edit permissions) and CLOUDFLARE_ACCOUNT_ID; see what would be written with --dry-run",
    });
  const shown = relative(process.cwd(), dir) || ".";
  const error = wranglerFailure(run, `writing feature view "${view}" to ${store === "kv" ? "KV" : "D1"} (\`wrangler ${args.join(" ")}\`)`, {
    cwd: shown,
    reproduce: args.join(" "),
    timeoutMs: wranglerTimeoutMs(opts.env),
  });
  throw new EdgeMlError(error.code, error.message, {
    issues: error.issues,
    hint: `${opts.failureNote ?? "the local store keeps the values; run it again"}; views and files written before this one keep their new values; the files stay in ${shown}: \`cd ${shown} && npx wrangler ${args.join(" ")}\` reproduces it`,
  });
}
