/** The progress bar's TTY/delay rules, and the byte-preserving splice of `validation` into manifest text. */
import { describe, expect, it } from "vitest";
import { createProgress } from "../../../cli/terminal/progress.ts";
import { spliceValidation, topLevelMembers } from "../../../cli/registry/manifest-file.ts";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream };
}

describe("progress bar", () => {
  it("stays silent when stderr is not a terminal", () => {
    const { writes, stream } = fakeStream(false);
    const p = createProgress("x", 100, stream, 0);
    p.update(50, 10);
    p.done();
    expect(writes).toEqual([]);
  });

  it("draws after the delay on a terminal and erases itself at the end", () => {
    const { writes, stream } = fakeStream(true);
    const p = createProgress("validating a.csv", 2048, stream, -1000);
    p.update(1024, 5000);
    p.done();
    expect(writes[0]).toMatch(/^\rvalidating a\.csv \[#{12} {12}\] {2}50% {2}1\.0 KiB\/2\.0 KiB {2}5,000 rows/);
    expect(writes[1]).toBe("\r\x1b[K");
  });

  it("draws nothing for work shorter than the delay", () => {
    const { writes, stream } = fakeStream(true);
    const p = createProgress("x", 100, stream, 60_000);
    p.update(50, 10);
    p.done();
    expect(writes).toEqual([]);
  });
});

describe("spliceValidation", () => {
  const text = `{\n  "name": "m",\n  "nested": { "validation": 1, "s": "a \\" } {" },\n  "metrics": {}\n}\n`;

  it("finds only top-level members (not nested keys, not braces inside strings)", () => {
    expect(topLevelMembers(text).map((m) => m.key)).toEqual(["name", "nested", "metrics"]);
  });

  it("inserts `validation` before `metrics` without changing any other byte", () => {
    const out = spliceValidation(text, { blessed: true });
    expect(out).toBe(
      `{\n  "name": "m",\n  "nested": { "validation": 1, "s": "a \\" } {" },\n  "validation": {\n    "blessed": true\n  },\n  "metrics": {}\n}\n`,
    );
    const inserted = `"validation": {\n    "blessed": true\n  },\n  `;
    expect(out.replace(inserted, "")).toBe(text);
  });

  it("replaces an existing `validation` value in place", () => {
    const once = spliceValidation(text, { blessed: true });
    expect(spliceValidation(once, { blessed: false })).toBe(once.replace('"blessed": true', '"blessed": false'));
  });

  it("keeps a compact manifest compact", () => {
    expect(spliceValidation('{"a":1,"metrics":{}}', { b: [1] })).toBe('{"a":1,"validation":{"b":[1]},"metrics":{}}');
    expect(spliceValidation('{"a":1}', 2)).toBe('{"validation":2,"a":1}');
  });
});
