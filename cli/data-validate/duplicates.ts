/**
 * Exact duplicate rows, and duplicate ids when an id column is declared: every repeat names the earlier line it
 * repeats, and the first copy stays clean.
 *
 * Exact, not a guess, and bounded in memory. While the distinct rows number at most `maxInMemory`, their full
 * contents are the keys of a Map (one lookup per row, exact by construction). Past the bound the finder switches to
 * an external sort (spill-sort.ts): the first copies so far and every later record are sorted by (128-bit hash, row)
 * in runs spilled to disk, and a merge finds the repeats. The hash (MD5, for bucketing, not security) only groups
 * rows; inside a group the full contents are compared, so a collision can never make two different rows duplicates.
 * Files larger than RAM work. Repeats are sorted back into row order the same way.
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

/** Distinct rows (and ids) kept in memory before spilling: ~100-300 MB for typical rows of a few dozen fields. */
export const DEFAULT_DEDUPE_MEMORY = 500_000;

export interface Repeat {
  row: number;
  line: number;
  kind: "duplicate_row" | "duplicate_id";
  /** The file line of the first copy. */
  repeats: number;
  /** The id, or the row as a CSV line. */
  value: string;
}

type Kind = 0 | 1;
/** [hash, kind (0 row, 1 id), row, line, content]: content is the JSON of the fields, or the id as read. */
type Entry = [string, Kind, number, number, string];
/** [row, kind, line, line of the first copy, value shown]. */
type Found = [number, Kind, number, number, string];

export interface DuplicateFinder {
  /** One data row: its fields, and its id when an id column is declared (missing ids are not compared). */
  add(row: number, line: number, fields: readonly string[], id: string | undefined): void;
  /** Every repeat, in row order (rows before ids); call once, after the last add. */
  repeats(): Generator<Repeat, void, undefined>;
  /** Run files the sorts wrote (0: everything fitted in memory). */
  spilledRuns(): number;
  /** Remove any spilled runs (after an error stopped the pass; repeats() cleans up on its own). */
  dispose(): void;
}

const hash128 = (kind: Kind, content: string) =>
  createHash("md5")
    .update(kind === 0 ? content : `id\u0000${content}`)
    .digest("base64");
const shown = (kind: Kind, content: string) => (kind === 0 ? csvLine(JSON.parse(content) as string[]) : content);

export interface DuplicateFinderOptions {
  maxInMemory: number;
  /** The bucketing hash of the spill phase (tests pass a colliding one to prove contents decide, not hashes). */
  hash?: (kind: Kind, content: string) => string;
}

export function createDuplicateFinder(opts: DuplicateFinderOptions): DuplicateFinder {
  const hash = opts.hash ?? hash128;
  const byHash = createSpillSorter<Entry>((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2] || a[1] - b[1]), opts.maxInMemory);
  const byRow = createSpillSorter<Found>((a, b) => a[0] - b[0] || a[1] - b[1], opts.maxInMemory);
  // The in-memory phase: content ▶ [row, line] of its first copy, one map per kind.
  let firsts: [Map<string, [number, number]>, Map<string, [number, number]>] | undefined = [new Map(), new Map()];
  let kept = 0;
  const record = (kind: Kind, row: number, line: number, content: string) => {
    if (firsts === undefined) return byHash.add([hash(kind, content), kind, row, line, content]);
    const first = firsts[kind].get(content);
    if (first !== undefined) return byRow.add([row, kind, line, first[1], shown(kind, content)]);
    firsts[kind].set(content, [row, line]);
    if (++kept > opts.maxInMemory) {
      // Too many distinct rows to keep: from here on, sort everything by hash on disk.
      firsts.forEach((map, k) => {
        for (const [c, [r, l]] of map) byHash.add([hash(k as Kind, c), k as Kind, r, l, c]);
      });
      firsts = undefined;
    }
  };
  return {
    add(row, line, fields, id) {
      record(0, row, line, JSON.stringify(fields));
      if (id !== undefined) record(1, row, line, id);
    },
    *repeats() {
      if (firsts === undefined) {
        let key = "";
        let group: Entry[] = [];
        for (const e of byHash.sorted()) {
          if (e[0] !== key) {
            key = e[0];
            group = [];
          }
          const first = group.find((f) => f[4] === e[4]);
          if (first === undefined) group.push(e);
          else byRow.add([e[2], e[1], e[3], first[3], shown(e[1], e[4])]);
        }
      }
      for (const [row, kind, line, repeats, value] of byRow.sorted()) yield { row, line, kind: kind === 0 ? "duplicate_row" : "duplicate_id", repeats, value };
    },
    spilledRuns: () => byHash.runs + byRow.runs,
    dispose() {
      byHash.dispose();
      byRow.dispose();
    },
  };
}
