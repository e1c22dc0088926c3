/** The exact duplicate finder: repeats name their first copy, hash buckets never decide alone, and the spill path agrees. */
import { describe, expect, it } from "vitest";
import { createDuplicateFinder } from "../../../cli/data-validate/duplicates.ts";
import { createSpillSorter } from "../../../cli/data-validate/spill-sort.ts";

function rows(n: number): string[][] {
  // Every 7th row repeats the row 3 before it; ids repeat every 50 rows.
  return Array.from({ length: n }, (_, i) => (i % 7 === 6 ? [`r${i - 3}`, `é ${(i - 3) % 50}`, "x,y"] : [`r${i}`, `é ${i % 50}`, "x,y"]));
}

function find(n: number, maxInMemory: number, hash?: () => string) {
  const d = createDuplicateFinder({ maxInMemory, ...(hash ? { hash } : {}) });
  rows(n).forEach((fields, i) => d.add(i + 1, i + 2, fields, fields[1]));
  return { repeats: [...d.repeats()], runs: d.spilledRuns() };
}

describe("createDuplicateFinder", () => {
  it("names the earlier line each repeat copies; the first copy stays clean", () => {
    const d = createDuplicateFinder({ maxInMemory: 100 });
    d.add(1, 2, ["a", "1"], "k");
    d.add(2, 3, ["b", "1"], "k");
    d.add(3, 4, ["a", "1"], undefined);
    d.add(4, 5, ["a", "1"], undefined);
    expect([...d.repeats()]).toEqual([
      { row: 2, line: 3, kind: "duplicate_id", repeats: 2, value: "k" },
      { row: 3, line: 4, kind: "duplicate_row", repeats: 2, value: "a,1" },
      { row: 4, line: 5, kind: "duplicate_row", repeats: 2, value: "a,1" },
    ]);
  });

  it("spills sorted runs to disk past its memory bound and finds exactly the same repeats", () => {
    const memory = find(5000, 1_000_000);
    const spilled = find(5000, 97);
    expect(memory.runs).toBe(0);
    expect(spilled.runs).toBeGreaterThan(50);
    expect(spilled.repeats).toEqual(memory.repeats);
    expect(memory.repeats.filter((r) => r.kind === "duplicate_row")).toHaveLength(Math.floor(5000 / 7));
  });

  it("compares full contents: rows whose hashes collide are not duplicates", () => {
    // Every record in one bucket: only equal contents may pair up.
    const colliding = find(600, 40, () => "x");
    expect(colliding.repeats).toEqual(find(600, 1_000_000).repeats);
  });
});

describe("createSpillSorter", () => {
  it("merges runs and memory in order, multi-byte text intact", () => {
    const s = createSpillSorter<[number, string]>((a, b) => a[0] - b[0], 3);
    const input = [5, 3, 9, 1, 7, 2, 8].map((x): [number, string] => [x, "ø".repeat(x)]);
    for (const x of input) s.add(x);
    expect([...s.sorted()]).toEqual([...input].sort((a, b) => a[0] - b[0]));
  });
});
