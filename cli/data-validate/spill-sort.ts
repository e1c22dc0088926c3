/**
 * An external merge sort for records that may not fit in memory: up to `maxInMemory` records are kept, sorted, and
 * written to a temporary run file (one JSON record per line) when the buffer fills; `sorted()` merges the runs with
 * what is still in memory. Below the bound nothing touches the disk. The run files are removed when the merge ends.
 *
 * Synchronous on purpose: the callers run between two streaming passes, and sync reads keep the k-way merge a plain
 * loop (no stream back-pressure to juggle for k open files).
 *
 * @example
 * ```ts
 * const s = createSpillSorter<[string, number]>((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1], 100_000);
 * s.add(["k", 1]);
 * for (const rec of s.sorted()) use(rec);
 * ```
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

export interface SpillSorter<T> {
  add(record: T): void;
  /** Run files written so far (0 when everything fitted in memory). */
  readonly runs: number;
  /** Every record added, in order; call once. */
  sorted(): Generator<T, void, undefined>;
  /** Remove the run files (sorted() does it when the merge ends; this is for a pass that stopped on an error). */
  dispose(): void;
}

const CHUNK = 1 << 16;

/** Lines of a file, read in 64 KiB chunks. */
function* readLines(file: string): Generator<string, void, undefined> {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(CHUNK);
  // The decoder holds back a multi-byte character split between two chunks.
  const decoder = new StringDecoder("utf8");
  let rest = "";
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const text = rest + decoder.write(buf.subarray(0, n));
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      yield* lines;
    }
    if (rest !== "") yield rest;
  } finally {
    closeSync(fd);
  }
}

export function createSpillSorter<T>(compare: (a: T, b: T) => number, maxInMemory: number): SpillSorter<T> {
  let buffer: T[] = [];
  const files: string[] = [];
  let dir: string | undefined;
  const dispose = () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  const spill = () => {
    dir ??= mkdtempSync(join(tmpdir(), "edge-ml-sort-"));
    const file = join(dir, `run-${files.length}.jsonl`);
    buffer.sort(compare);
    writeFileSync(file, `${buffer.map((r) => JSON.stringify(r)).join("\n")}\n`);
    files.push(file);
    buffer = [];
  };
  return {
    add(record) {
      buffer.push(record);
      if (buffer.length >= maxInMemory) spill();
    },
    get runs() {
      return files.length;
    },
    *sorted() {
      buffer.sort(compare);
      const sources: Iterator<T>[] = [
        buffer[Symbol.iterator](),
        ...files.map((f) => {
          const lines = readLines(f);
          return (function* () {
            for (const line of lines) if (line !== "") yield JSON.parse(line) as T;
          })();
        }),
      ];
      const heads = sources.map((s) => s.next());
      try {
        for (;;) {
          // A linear scan over the heads: runs are few (records / maxInMemory), so a heap would not pay off.
          let best = -1;
          for (let i = 0; i < heads.length; i++) {
            const h = heads[i];
            const b = heads[best];
            if (h !== undefined && !h.done && (b === undefined || b.done || compare(h.value, b.value) < 0)) best = i;
          }
          const h = heads[best];
          if (h === undefined || h.done) break;
          yield h.value;
          heads[best] = (sources[best] as Iterator<T>).next();
        }
      } finally {
        dispose();
      }
    },
    dispose,
  };
}
