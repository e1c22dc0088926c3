/**
 * The full list of bad cells (`--bad-rows`), and the bounded copy of it that `--json` inlines.
 *
 * One entry per bad cell (a ragged or duplicate row is one entry with column null): the 1-based data row, the file
 * line it starts on, the column, the anomaly code and the value as read, with the category a variant resembles or the
 * line a duplicate repeats. The file is written as the rows stream by (CSV or JSON lines, chosen by its extension), so
 * its size is the only limit; the JSON result inlines the first `BAD_ROWS_INLINE` entries by row and says how many
 * it left out and which file holds them all.
 *
 * @example
 * ```ts
 * const out = openBadRowFile("bad.jsonl");
 * out.write({ row: 3, line: 4, column: "age", anomaly: "out_of_range", value: "300" });
 * out.close();
 * ```
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { UsageError } from "../terminal/errors.ts";
import { csvLine } from "./csv-write.ts";
import type { AnomalyKind } from "./anomaly.ts";

/** Entries `--json` inlines: enough to fix a file by hand, small enough for a terminal or a CI log (~1 MB). */
const BAD_ROWS_INLINE = 10_000;

export interface BadRow {
  /** 1-based data row (the header is not counted). */
  row: number;
  /** 1-based file line the row starts on. */
  line: number;
  column: string | null;
  anomaly: AnomalyKind;
  value: string;
  resembles?: string;
  /** The file line of the earlier row this one repeats. */
  repeats?: number;
}

export interface BadRowFile {
  write(entry: BadRow): void;
  close(): void;
}

const CSV_HEADER = ["row", "line", "column", "anomaly", "value", "resembles", "repeats"];
const FLUSH_AT = 1 << 16;

export function openBadRowFile(path: string): BadRowFile {
  const csv = path.endsWith(".csv");
  if (!csv && !path.endsWith(".jsonl"))
    throw new UsageError(`--bad-rows ${path}: the file must end in .csv or .jsonl`, {
      hint: "e.g. --bad-rows bad-rows.csv (or bad-rows.jsonl for JSON lines)",
    });
  const fd = openSync(path, "w");
  let pending = csv ? `${csvLine(CSV_HEADER)}\n` : "";
  const flush = () => {
    writeSync(fd, pending);
    pending = "";
  };
  return {
    write(e) {
      pending += csv
        ? `${csvLine([String(e.row), String(e.line), e.column ?? "", e.anomaly, e.value, e.resembles ?? "", e.repeats === undefined ? "" : String(e.repeats)])}\n`
        : `${JSON.stringify(e)}\n`;
      if (pending.length >= FLUSH_AT) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/** The first `limit` entries by row from two row-ordered streams (cells in the pass, duplicates after it). */
export function createBadRowList(limit = BAD_ROWS_INLINE) {
  const cells: BadRow[] = [];
  const repeats: BadRow[] = [];
  let total = 0;
  return {
    addCell(e: BadRow) {
      total++;
      if (cells.length < limit) cells.push(e);
    },
    addRepeat(e: BadRow) {
      total++;
      if (repeats.length < limit) repeats.push(e);
    },
    finish(): { list: BadRow[]; omitted: number; cells: number } {
      // Stable: a row's cells come before its duplicate entry.
      const list = [...cells, ...repeats].sort((a, b) => a.row - b.row).slice(0, limit);
      return { list, omitted: total - list.length, cells: total };
    },
  };
}
