/**
 * CSV reading through csv-parse (BOM, quoted commas and newlines, CRLF), streamed so files larger than memory work.
 */
import { parse } from "csv-parse";
import { createReadStream, statSync } from "node:fs";
import { EdgeMlError } from "../../core/errors.ts";

export interface CsvRecord {
  /** 1-based line number in the file where the record starts (header is line 1). */
  line: number;
  values: Record<string, string>;
}

/** A user error unless `path` is an existing file (checked before streaming, for a clear message). */
export function assertCsvFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // reported below
  }
  if (!isFile)
    throw new EdgeMlError("ERR_USAGE", `data file ${path} does not exist or is not a file`, { hint: "pass the path of a CSV file with a header row" });
}

/** Stream the records of a CSV file with a header row. */
export async function* readCsv(path: string): AsyncGenerator<CsvRecord, void, undefined> {
  const parser = createReadStream(path).pipe(parse({ bom: true, columns: true, skip_empty_lines: true, info: true, relax_column_count: false }));
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: rec.info.lines, values: rec.record };
    }
  } catch (cause) {
    const err = cause as Error & { lines?: number };
    throw new EdgeMlError("ERR_BAD_DATA", `${path}${err.lines ? `:${err.lines}` : ""}: ${err.message}`, {
      file: path,
      hint: "check the CSV: a header row, the same number of fields on every row, and balanced quotes",
      cause,
    });
  }
}

/** Header and number of data rows of a CSV file. */
export async function csvSummary(path: string): Promise<{ columns: string[]; rows: number }> {
  let columns: string[] = [];
  let rows = 0;
  for await (const rec of readCsv(path)) {
    if (rows === 0) columns = Object.keys(rec.values);
    rows++;
  }
  return { columns, rows };
}
