/**
 * `--split <dir>`: the quarantine. `clean.csv` holds the rows with no anomaly under the original header;
 * `rejected.csv` holds every other row, one line per bad row (not per bad cell, so clean + rejected = the input's
 * rows), with three columns added: `_line` (the row's line in the input), `_column` and `_anomaly` (every bad cell's
 * column and code, joined by ";" in the same order; a ragged or duplicate row has an empty column). A ragged row is
 * padded with empty fields, or cut, to the header's width so both files stay rectangular; `_line` finds the original.
 *
 * @example
 * ```ts
 * const split = openSplit("quarantine", header);
 * split.write(fields, line, issues); // clean when issues is empty
 * split.close(); // { clean: 1200, rejected: 108 }
 * ```
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { csvLine } from "./csv-write.ts";
import type { RowIssue } from "./rows.ts";

export interface Split {
  write(fields: readonly string[], line: number, issues: readonly RowIssue[]): void;
  close(): { clean: number; rejected: number };
}

const FLUSH_AT = 1 << 16;

function openOut(path: string, header: readonly string[]) {
  const fd = openSync(path, "w");
  let pending = `${csvLine(header)}\n`;
  let rows = 0;
  return {
    add(fields: readonly string[]) {
      rows++;
      pending += `${csvLine(fields)}\n`;
      if (pending.length >= FLUSH_AT) {
        writeSync(fd, pending);
        pending = "";
      }
    },
    close(): number {
      writeSync(fd, pending);
      closeSync(fd);
      return rows;
    },
  };
}

export function openSplit(dir: string, header: readonly string[]): Split {
  mkdirSync(dir, { recursive: true });
  const clean = openOut(join(dir, "clean.csv"), header);
  const rejected = openOut(join(dir, "rejected.csv"), [...header, "_line", "_column", "_anomaly"]);
  return {
    write(fields, line, issues) {
      if (issues.length === 0) return clean.add(fields);
      const width = Array.from(header, (_, i) => fields[i] ?? "");
      rejected.add([...width, String(line), issues.map((i) => i.column ?? "").join(";"), issues.map((i) => i.code).join(";")]);
    },
    close: () => ({ clean: clean.close(), rejected: rejected.close() }),
  };
}
