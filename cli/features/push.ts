/**
 * `edge-ml features push <view> <csv>`: materialize a view's latest values per key into its local store, and keep every
 * row with its timestamp in the view's history for `features join`.
 *
 * One streamed pass reads and checks the rows (a missing key, a ragged row or a bad timestamp is reported as
 * `file:line`); the valid rows go through an external sort by (key, time, line), so memory stays bounded by
 * `chunkRows` however large the file. The sorted stream is then written twice at once: every row to a new history
 * chunk (`<view>/history/<pushedAt>.jsonl`, sorted by key then time), and the LAST row of each key to the store in
 * batches. The latest row per key is the one with the greatest timestamp; on a tie the later row in the file wins (and
 * without a timestamp column, simply the last row of the key). Bad rows: by default the push refuses and writes
 * nothing; with `skipBadRows` it pushes the others and reports what it skipped.
 *
 * @example
 * ```ts
 * const r = await pushFeatures(root, { view: "customer", csv: "customers.csv" });
 * r.keys; // distinct keys written
 * ```
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join, relative } from "node:path";
import { EdgeMlError, type Issue } from "../../core/errors.ts";
import { featureTimeProblem, parseFeatureTime } from "../../core/feature-views.ts";
import { type FeatureRecord, isExpired } from "../../core/feature-views-layout.ts";
import { openCsv } from "../data-validate/csv.ts";
import { createSpillSorter } from "../data-validate/spill-sort.ts";
import { createProgress } from "../terminal/progress.ts";
import { HISTORY_VERSION, type HistoryHeader, type HistoryRow } from "./history.ts";
import { type KeyedRecord, openLocalStore, viewDir } from "./local-store.ts";
import { columnIndexes, resolveView } from "./view.ts";

export interface PushOptions {
  view: string;
  csv: string;
  /** Push the valid rows and report the bad ones (default: refuse the whole file when a row is bad). */
  skipBadRows?: boolean;
  /** Show what would be written; write nothing. */
  dryRun?: boolean;
  /** Rows the sort keeps in memory before spilling a sorted run to disk. */
  chunkRows?: number;
  /** Records per store write. */
  batchSize?: number;
  /** The push time (tests fix it). */
  now?: number;
}

export interface PushResult {
  view: string;
  store: string;
  /** Data rows read, valid rows, bad rows (skipped, or the reason the push refused). */
  rows: number;
  validRows: number;
  badRows: Issue[];
  badRowCount: number;
  /** Distinct keys, and how they ended: written, kept (the store had a newer value), expired (past the ttl already). */
  keys: number;
  written: number;
  kept: number;
  expired: number;
  /** A few of the latest records, for the summary. */
  examples: KeyedRecord[];
  history: string | undefined;
  dryRun: boolean;
  pushedAt: number;
  runs: number;
}

export const DEFAULT_CHUNK_ROWS = 200_000;
const MAX_SHOWN_BAD = 20;

const compareRows = (a: HistoryRow, b: HistoryRow): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2]);

export async function pushFeatures(root: string, opts: PushOptions): Promise<PushResult> {
  const view = await resolveView(root, opts.view);
  const pushedAt = opts.now ?? Date.now();
  const file = opts.csv;
  if (!existsSync(file) || !statSync(file).isFile())
    throw new EdgeMlError("ERR_USAGE", `${file} does not exist or is not a file`, { hint: "pass the path of a CSV file with a header row" });
  const csv = openCsv(file);
  const progress = createProgress(`pushing ${relative(process.cwd(), file) || file}`, statSync(file).size);
  const sorter = createSpillSorter<HistoryRow>(compareRows, opts.chunkRows ?? DEFAULT_CHUNK_ROWS);
  let header: string[] | undefined;
  let cols: Record<string, number> = {};
  let featureCols: number[] = [];
  let rows = 0;
  let validRows = 0;
  const bad: Issue[] = [];
  let badCount = 0;
  const reject = (line: number, message: string) => {
    badCount++;
    if (bad.length < MAX_SHOWN_BAD) bad.push({ path: `${file}:${line}`, message });
  };
  try {
    for await (const row of csv.rows) {
      if (header === undefined) {
        header = row.fields;
        cols = columnIndexes(file, header, { key: view.key, ...(view.timestamp ? { timestamp: view.timestamp } : {}) });
        featureCols = Object.values(columnIndexes(file, header, Object.fromEntries(view.features.map((f) => [`feature ${f}`, f]))));
        continue;
      }
      rows++;
      progress.update(csv.bytesRead(), rows);
      const f = row.fields;
      if (f.length !== header.length) {
        reject(row.line, `${f.length} fields, the header has ${header.length}`);
        continue;
      }
      const key = f[cols.key as number] as string;
      if (key.trim() === "") {
        reject(row.line, `missing key (${view.key} is empty)`);
        continue;
      }
      let ts = pushedAt;
      if (cols.timestamp !== undefined) {
        const cell = f[cols.timestamp] as string;
        const t = parseFeatureTime(cell);
        if (t === undefined) {
          reject(row.line, `${view.timestamp}: ${featureTimeProblem(cell)}`);
          continue;
        }
        ts = t;
      }
      validRows++;
      sorter.add([key, ts, row.line, featureCols.map((i) => (f[i] === "" ? null : (f[i] as string)))]);
    }
  } catch (error) {
    sorter.dispose();
    throw error;
  } finally {
    progress.done();
  }
  if (header === undefined) throw new EdgeMlError("ERR_BAD_DATA", `${file} is empty`, { hint: "a header row, then one row per key and time" });
  if (badCount > 0 && opts.skipBadRows !== true) {
    sorter.dispose();
    throw new EdgeMlError("ERR_BAD_DATA", `${file}: ${badCount} bad row${badCount === 1 ? "" : "s"}; nothing was pushed`, {
      issues: bad,
      hint: "fix them, or pass --skip-bad-rows to push the other rows (the skipped ones are listed)",
    });
  }
  return writeSorted(root, opts, view, { rows, validRows, bad, badCount, pushedAt, sorter, file });
}

async function writeSorted(
  root: string,
  opts: PushOptions,
  view: Awaited<ReturnType<typeof resolveView>>,
  read: {
    rows: number;
    validRows: number;
    bad: Issue[];
    badCount: number;
    pushedAt: number;
    file: string;
    sorter: ReturnType<typeof createSpillSorter<HistoryRow>>;
  },
): Promise<PushResult> {
  const dryRun = opts.dryRun === true;
  const { pushedAt, sorter } = read;
  const batchSize = opts.batchSize ?? 500;
  const store = dryRun ? undefined : await openLocalStore(root, opts.view, view);
  const result: PushResult = {
    view: opts.view,
    store: store?.where ?? `${view.store} (dry run)`,
    rows: read.rows,
    validRows: read.validRows,
    badRows: read.bad,
    badRowCount: read.badCount,
    keys: 0,
    written: 0,
    kept: 0,
    expired: 0,
    examples: [],
    history: undefined,
    dryRun,
    pushedAt,
    runs: sorter.runs,
  };
  const history = dryRun ? undefined : openHistoryChunk(root, opts.view, pushedAt, { v: HISTORY_VERSION, columns: view.features, pushedAt, source: read.file });
  result.history = history?.file;
  let batch: KeyedRecord[] = [];
  const flush = async () => {
    if (store && batch.length > 0) {
      const r = await store.put(batch);
      result.written += r.written;
      result.kept += r.kept;
    } else if (!store) result.written += batch.length;
    batch = [];
  };
  const latest = async (row: HistoryRow) => {
    result.keys++;
    const record: FeatureRecord = { values: Object.fromEntries(view.features.map((f, i) => [f, row[3][i] ?? null])), ts: row[1], pushedAt };
    if (isExpired(record, view.ttlMs, pushedAt)) return void result.expired++;
    if (result.examples.length < 3) result.examples.push({ key: row[0], record });
    batch.push({ key: row[0], record });
    if (batch.length >= batchSize) await flush();
  };
  let ok = false;
  try {
    let prev: HistoryRow | undefined;
    for (const row of sorter.sorted()) {
      history?.write(row);
      if (prev !== undefined && prev[0] !== row[0]) await latest(prev);
      prev = row;
    }
    if (prev !== undefined) await latest(prev);
    await flush();
    ok = true;
  } finally {
    history?.close(ok);
    await store?.close();
  }
  return result;
}

/** A new history chunk of a view, written through a 1 MiB buffer as `.partial`, renamed into place only when the push succeeded. */
function openHistoryChunk(root: string, view: string, pushedAt: number, header: HistoryHeader) {
  const dir = join(viewDir(root, view), "history");
  mkdirSync(dir, { recursive: true });
  let file = join(dir, `${pushedAt}.jsonl`);
  for (let n = 1; existsSync(file); n++) file = join(dir, `${pushedAt}-${n}.jsonl`);
  const partial = `${file}.partial`;
  const fd = openSync(partial, "w");
  let buf = `${JSON.stringify(header)}\n`;
  return {
    file,
    write(row: HistoryRow) {
      buf += `${JSON.stringify(row)}\n`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    },
    close(commit: boolean) {
      writeSync(fd, buf);
      closeSync(fd);
      if (commit) renameSync(partial, file);
      else rmSync(partial, { force: true });
    },
  };
}
