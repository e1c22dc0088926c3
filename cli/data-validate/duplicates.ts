/**
 * Exact duplicate rows, and duplicate ids when an id column is declared: every repeat names the earlier line it
 * repeats, and the first copy stays clean.
 *
 * Exact, not a guess: a 128-bit hash (sha256, truncated) only buckets the rows; inside a bucket the full row
 * contents are compared, so a hash collision can never make two different rows duplicates. Bounded in memory: the
 * (hash, row, content) records go through an external sort (spill-sort.ts) that spills sorted runs to disk past
 * `maxInMemory` records, so files larger than RAM work; the repeats found are sorted back into row order the same way.
 *
 * @example
 * ```ts
 * const d = createDuplicateFinder({ maxInMemory: 200_000 });
 * d.add(1, 2, ["a", "1"], undefined); d.add(2, 3, ["a", "1"], undefined);
 * [...d.repeats()]; // [{ row: 2, line: 3, kind: "duplicate_row", repeats: 2, value: "a,1" }]
 * ```
 */
import { createHash } from "node:crypto";
import { csvLine } from "./csv-write.ts";
import { createSpillSorter } from "./spill-sort.ts";

export const DEFAULT_DEDUPE_MEMORY = 200_000;

export interface Repeat {
  row: number;
  line: number;
  kind: "duplicate_row" | "duplicate_id";
  /** The file line of the first copy. */
  repeats: number;
  /** The id, or the row as a CSV line. */
  value: string;
}

/** [hash, kind (0 row, 1 id), row, line, content]: content is the JSON of the fields, or the id as read. */
type Entry = [string, 0 | 1, number, number, string];
type Found = [number, 0 | 1, number, number, string];

export interface DuplicateFinder {
  /** One data row: its fields, and its id when an id column is declared (missing ids are not compared). */
  add(row: number, line: number, fields: readonly string[], id: string | undefined): void;
  /** Every repeat, in row order (rows before ids); call once, after the last add. */
  repeats(): Generator<Repeat, void, undefined>;
  /** Run files the sorts wrote (0: everything fitted in memory). */
  spilledRuns(): number;
}

const hash128 = (kind: 0 | 1, content: string) => createHash("sha256").update(`${kind}\u0000${content}`).digest("hex").slice(0, 32);

export function createDuplicateFinder(opts: { maxInMemory: number }): DuplicateFinder {
  const byHash = createSpillSorter<Entry>((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2] || a[1] - b[1]), opts.maxInMemory);
  const byRow = createSpillSorter<Found>((a, b) => a[0] - b[0] || a[1] - b[1], opts.maxInMemory);
  return {
    add(row, line, fields, id) {
      const content = JSON.stringify(fields);
      byHash.add([hash128(0, content), 0, row, line, content]);
      if (id !== undefined) byHash.add([hash128(1, id), 1, row, line, id]);
    },
    *repeats() {
      let key = "";
      // The first copies of the distinct contents in the current hash bucket (almost always one).
      let firsts: { content: string; line: number }[] = [];
      for (const [hash, kind, row, line, content] of byHash.sorted()) {
        if (hash !== key) {
          key = hash;
          firsts = [];
        }
        const first = firsts.find((f) => f.content === content);
        if (first === undefined) firsts.push({ content, line });
        else byRow.add([row, kind, line, first.line, kind === 0 ? csvLine(JSON.parse(content) as string[]) : content]);
      }
      for (const [row, kind, line, repeats, value] of byRow.sorted()) yield { row, line, kind: kind === 0 ? "duplicate_row" : "duplicate_id", repeats, value };
    },
    spilledRuns: () => byHash.runs + byRow.runs,
  };
}
