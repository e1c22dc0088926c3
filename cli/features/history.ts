/**
 * A feature view's history: every row ever pushed, with its timestamp, for point-in-time joins. Append-only: each
 * push adds one chunk, `.edge-ml/features/<view>/history/<pushedAt>.jsonl`, never rewritten. A chunk's first line is
 * its `HistoryHeader` (the feature columns at that push, the push time, the source file); every other line is one
 * `HistoryRow`, `[key, ts, line, values]`, sorted by key (code-unit order), then ts, then source line.
 *
 * @example
 * ```ts
 * for await (const r of readHistory(root, "customer", ["plan", "region"])) console.log(r.key, r.ts, r.values);
 * ```
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { EdgeMlError } from "../../core/errors.ts";
import { viewDir } from "./local-store.ts";

export const HISTORY_VERSION = 1;

export interface HistoryHeader {
  v: number;
  columns: string[];
  pushedAt: number;
  source: string;
}

/** One pushed row: key, event time (epoch ms), its line in the pushed file, the feature values in `columns` order. */
export type HistoryRow = [key: string, ts: number, line: number, values: (string | null)[]];

export interface HistoryEntry {
  key: string;
  ts: number;
  pushedAt: number;
  line: number;
  /** Values in the order of the `columns` asked for (a column a chunk did not have is null). */
  values: (string | null)[];
}

/** The history chunk files of a view, oldest push first. */
export function historyChunks(root: string, view: string): string[] {
  const dir = join(viewDir(root, view), "history");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b))
    .map((f) => join(dir, f));
}

/** Every row of every chunk of a view (chunk by chunk), values mapped to `columns`. */
export async function* readHistory(root: string, view: string, columns: readonly string[]): AsyncGenerator<HistoryEntry, void, undefined> {
  for (const file of historyChunks(root, view)) {
    let map: number[] | undefined;
    let pushedAt = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line === "") continue;
      if (map === undefined) {
        const header = JSON.parse(line) as HistoryHeader;
        if (header.v !== HISTORY_VERSION)
          throw new EdgeMlError("ERR_BAD_DATA", `${file}: history version ${header.v} is not readable here`, { file, hint: "update edge-ml" });
        map = columns.map((c) => header.columns.indexOf(c));
        pushedAt = header.pushedAt;
        continue;
      }
      const [key, ts, at, values] = JSON.parse(line) as HistoryRow;
      yield { key, ts, pushedAt, line: at, values: map.map((i) => (i === -1 ? null : (values[i] ?? null))) };
    }
  }
}
