/**
 * `edge-ml features join <entity-csv> --view <view> --as-of <column> --out <csv>`: a point-in-time join, the way
 * Feast's offline store builds training sets. For each entity row, the view's values from the LATEST pushed row of its
 * key whose timestamp is at or before the row's time (a value stamped exactly at the row's time is included; one a
 * millisecond later is not: no leakage). Rows whose time is before the key's first value, keys with no history, rows
 * without a key, and values older than the view's ttl get empty feature cells, each counted in the summary. Among
 * pushed rows with the same key and time, the later push wins, then the later line.
 *
 * Bounded memory: both sides go through an external sort by (key, time) (`chunkRows` records in memory, sorted runs
 * on disk), one merge pass pairs them, the results are sorted back by row number the same way, and a second pass over
 * the entity file writes them out in its original row order.
 *
 * @example
 * ```ts
 * const r = await joinFeatures(root, { entities: "labels.csv", view: "customer", asOf: "event_time", out: "train.csv" });
 * r.matched; // rows that got values
 * ```
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { EdgeMlError, type Issue } from "../../core/errors.ts";
import { featureTimeProblem, parseFeatureTime } from "../../core/feature-views.ts";
import { openCsv } from "../data-validate/csv.ts";
import { csvLine } from "../data-validate/csv-write.ts";
import { createSpillSorter } from "../data-validate/spill-sort.ts";
import { type HistoryEntry, historyChunks, readHistory } from "./history.ts";
import { DEFAULT_CHUNK_ROWS } from "./push.ts";
import { columnIndexes, resolveView } from "./view.ts";

export interface JoinOptions {
  entities: string;
  view: string;
  /** The entity file's time column. */
  asOf: string;
  out: string;
  /** Records each external sort keeps in memory before spilling a run. */
  chunkRows?: number;
}

export interface JoinResult {
  rows: number;
  matched: number;
  /** Rows whose time is before their key's first pushed value. */
  beforeFirst: number;
  /** Rows whose key has no history at all, and how many distinct keys that is. */
  noHistory: number;
  noHistoryKeys: number;
  /** Rows whose latest value is older than the view's ttl at the row's time. */
  expired: number;
  /** Rows with an empty key. */
  noKey: number;
  historyRows: number;
  /** Sorted runs spilled to disk (0: everything fitted in `chunkRows`). */
  runs: number;
}

/** An entity row to match: key, time, row number (0-based, data rows only). */
type EntityRec = [key: string, t: number, row: number];
/** A history row as sorted: key, ts, pushedAt, line, values. */
type HistRec = [key: string, ts: number, pushedAt: number, line: number, values: (string | null)[]];
/** A result: row number, values (null: no value). */
type OutRec = [row: number, values: (string | null)[] | null];

const byKey = <T extends [string, ...number[]]>(a: T, b: T): number => {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  for (let i = 1; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
};
const compareHist = (a: HistRec, b: HistRec): number => byKey([a[0], a[1], a[2], a[3]], [b[0], b[1], b[2], b[3]]);
const MAX_SHOWN_BAD = 20;

export async function joinFeatures(root: string, opts: JoinOptions): Promise<JoinResult> {
  const view = await resolveView(root, opts.view);
  if (historyChunks(root, opts.view).length === 0)
    throw new EdgeMlError("ERR_USAGE", `feature view "${opts.view}" has no history yet`, {
      hint: `push its data first: npx edge-ml features push ${opts.view} <csv>`,
    });
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const entities = createSpillSorter<EntityRec>(byKey, chunkRows);
  const history = createSpillSorter<HistRec>(compareHist, chunkRows);
  const results = createSpillSorter<OutRec>((a, b) => a[0] - b[0], chunkRows);
  const sorters = [entities, history, results];
  try {
    const header = await readEntities(opts, view.key, view.features, entities);
    let historyRows = 0;
    for await (const h of readHistory(root, opts.view, view.features)) {
      historyRows++;
      history.add(toHist(h));
    }
    const counts = matchSorted(entities, history, results, view.ttlMs);
    const runs = entities.runs + history.runs + results.runs;
    await writeJoined(opts, header, view.features, results);
    return { ...counts, historyRows, runs };
  } finally {
    for (const s of sorters) s.dispose();
  }
}

const toHist = (h: HistoryEntry): HistRec => [h.key, h.ts, h.pushedAt, h.line, h.values];

/** Pass 1: every entity row's (key, time, row number) into the sorter; a bad time is an error located by file:line. */
async function readEntities(opts: JoinOptions, key: string, features: readonly string[], sorter: { add(r: EntityRec): void }): Promise<string[]> {
  const csv = openCsv(opts.entities);
  let header: string[] | undefined;
  let cols: Record<string, number> = {};
  let row = 0;
  const bad: Issue[] = [];
  let badCount = 0;
  for await (const r of csv.rows) {
    if (header === undefined) {
      header = r.fields;
      cols = columnIndexes(opts.entities, header, { key, "as-of time": opts.asOf });
      const clash = features.filter((f) => header?.includes(f));
      if (clash.length > 0)
        throw new EdgeMlError("ERR_BAD_DATA", `${opts.entities} already has column ${clash.map((c) => `"${c}"`).join(", ")} of view "${opts.view}"`, {
          hint: "drop or rename those columns first: the join adds them",
        });
      continue;
    }
    const cell = r.fields[cols["as-of time"] as number] ?? "";
    const t = parseFeatureTime(cell);
    if (t === undefined) {
      badCount++;
      if (bad.length < MAX_SHOWN_BAD) bad.push({ path: `${opts.entities}:${r.line}`, message: `${opts.asOf}: ${featureTimeProblem(cell)}` });
    } else sorter.add([r.fields[cols.key as number] ?? "", t, row]);
    row++;
  }
  if (header === undefined) throw new EdgeMlError("ERR_BAD_DATA", `${opts.entities} is empty`, { hint: "a header row, then one row per example" });
  if (badCount > 0)
    throw new EdgeMlError("ERR_BAD_DATA", `${opts.entities}: ${badCount} row${badCount === 1 ? "" : "s"} without a usable ${opts.asOf} time`, {
      issues: bad,
      hint: "every row needs its time (ISO-8601 or epoch milliseconds): a join without it could read values from the future",
    });
  return header;
}

/** The merge: both sides sorted by (key, time); for each entity row, the last history row of its key at or before its time. */
function matchSorted(
  entities: { sorted(): Generator<EntityRec> },
  history: { sorted(): Generator<HistRec> },
  out: { add(r: OutRec): void },
  ttlMs: number | undefined,
): Omit<JoinResult, "historyRows" | "runs"> {
  const c = { rows: 0, matched: 0, beforeFirst: 0, noHistory: 0, noHistoryKeys: 0, expired: 0, noKey: 0 };
  const hist = history.sorted();
  let h = hist.next();
  let key: string | undefined;
  let last: HistRec | undefined;
  for (const [k, t, row] of entities.sorted()) {
    c.rows++;
    if (k === "") {
      c.noKey++;
      out.add([row, null]);
      continue;
    }
    const newKey = k !== key;
    if (newKey) {
      key = k;
      last = undefined;
    }
    while (!h.done && (h.value[0] < k || (h.value[0] === k && h.value[1] <= t))) {
      if (h.value[0] === k) last = h.value;
      h = hist.next();
    }
    if (last === undefined) {
      const later = !h.done && h.value[0] === k;
      if (later) c.beforeFirst++;
      else {
        c.noHistory++;
        if (newKey) c.noHistoryKeys++;
      }
      out.add([row, null]);
    } else if (ttlMs !== undefined && t - last[1] > ttlMs) {
      c.expired++;
      out.add([row, null]);
    } else {
      c.matched++;
      out.add([row, last[4]]);
    }
  }
  // Drain the rest so the history sorter's generator finishes (and removes its runs).
  while (!h.done) h = hist.next();
  return c;
}

/** Pass 2: the entity file again, each row with its result (sorted by row number), to `out`. */
async function writeJoined(opts: JoinOptions, header: string[], features: readonly string[], results: { sorted(): Generator<OutRec> }): Promise<void> {
  const sorted = results.sorted();
  const empty = features.map(() => "");
  const fd = openSync(opts.out, "w");
  try {
    let buf = `${csvLine([...header, ...features])}\n`;
    let row = -1;
    for await (const r of openCsv(opts.entities).rows) {
      if (row === -1) {
        row = 0;
        continue;
      }
      const next = sorted.next();
      if (next.done || next.value[0] !== row)
        throw new EdgeMlError("ERR_BAD_DATA", `${opts.entities} changed while it was being joined (row ${row + 1})`, {
          hint: "run the join again on a file nothing is writing to",
        });
      const values = next.value[1];
      row++;
      buf += `${csvLine([...r.fields, ...(values ? values.map((v) => v ?? "") : empty)])}\n`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
    // Drained so the sorter's generator ends and removes its run files.
    while (!sorted.next().done);
  } finally {
    closeSync(fd);
  }
}
