/**
 * A CSV reader for validation: raw rows as arrays (so a ragged row is data to report, not a parser crash), each with
 * the file line it starts on, the bytes read so far (for the progress bar) and the file's sha256, all in one pass.
 * Streamed: memory stays flat however large the file.
 *
 * csv-parse handles the BOM, quoted commas and newlines, and CRLF; its own `info.lines` counts the line a record
 * *ends* on and counts a CRLF inside quotes twice, so line numbers come from our own newline count over the bytes,
 * mapped through csv-parse's byte offsets (`info.bytes`).
 *
 * @example
 * ```ts
 * const csv = openCsv("data/eval.csv");
 * for await (const row of csv.rows) console.log(row.line, row.fields); // the header is the first row
 * ```
 */
import { parse } from "csv-parse";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { EdgeMlError } from "../../core/errors.ts";

export interface RawRow {
  /** 1-based line of the file where the row starts (the header is usually line 1). */
  line: number;
  fields: string[];
}

export interface CsvSource {
  rows: AsyncGenerator<RawRow, void, undefined>;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** sha256 of the file, hashed on the way through (call it after the rows are read). */
  sha256(): string;
}

const LF = 10;
const CR = 13;

/** Counts newlines up to a byte offset, keeping only the chunks the parser may still refer to. */
class LineIndex {
  private chunks: { start: number; buf: Buffer }[] = [];
  private cursor = 0;
  line = 1;
  received = 0;

  push(buf: Buffer): void {
    this.chunks.push({ start: this.received, buf });
    this.received += buf.length;
  }

  private byteAt(offset: number): number | undefined {
    for (const c of this.chunks) if (offset >= c.start && offset < c.start + c.buf.length) return c.buf[offset - c.start];
    return undefined;
  }

  /** Move the cursor to `offset`, counting the newlines passed. */
  advance(offset: number): void {
    while (this.cursor < offset && this.chunks.length > 0) {
      const c = this.chunks[0] as { start: number; buf: Buffer };
      const end = Math.min(offset, c.start + c.buf.length);
      let pos = this.cursor - c.start;
      const stop = end - c.start;
      for (;;) {
        const nl = c.buf.indexOf(LF, pos);
        if (nl === -1 || nl >= stop) break;
        this.line++;
        pos = nl + 1;
      }
      this.cursor = end;
      if (end === c.start + c.buf.length) this.chunks.shift();
      else break;
    }
  }

  /** The line of the first byte at or after the cursor that is not a line break (empty lines are skipped). */
  startLine(limit: number): number {
    for (;;) {
      if (this.cursor >= limit) return this.line;
      const b = this.byteAt(this.cursor);
      if (b !== LF && b !== CR) return this.line;
      this.advance(this.cursor + 1);
    }
  }
}

/**
 * Open a CSV for streaming. The header is the first row yielded; an unreadable file or unbalanced quotes are a user
 * error naming the file and line.
 */
export function openCsv(path: string): CsvSource {
  const index = new LineIndex();
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      index.push(chunk);
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true });
  const input = createReadStream(path);
  input.on("error", (e) => parser.destroy(e));
  input.pipe(tap).pipe(parser);

  async function* rows(): AsyncGenerator<RawRow, void, undefined> {
    try {
      for await (const rec of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
        const line = index.startLine(rec.info.bytes);
        index.advance(rec.info.bytes);
        yield { line, fields: rec.record };
      }
    } catch (cause) {
      const err = cause as Error & { lines?: number; code?: string };
      if (err.code === "ENOENT" || err.code === "EISDIR" || err.code === "EACCES") {
        throw new EdgeMlError("ERR_USAGE", `cannot read ${path} (${err.code})`, { file: path, hint: "pass the path of a CSV file with a header row" });
      }
      throw new EdgeMlError("ERR_BAD_DATA", `${path}${err.lines ? `:${err.lines}` : ""}: ${err.message}`, {
        file: path,
        hint: "the CSV cannot be parsed past this point: check for an unclosed quote on or before that line",
        cause,
      });
    } finally {
      input.destroy();
    }
  }
  let digest: string | undefined;
  return { rows: rows(), bytesRead: () => index.received, sha256: () => (digest ??= hash.digest("hex")) };
}
