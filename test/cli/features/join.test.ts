/**
 * Point-in-time join: the edge cases by hand, and the external-sort path (tiny --chunk-rows, so every sort spills runs
 * to disk) against a plain in-memory reference on seeded random data with many versions per key.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { joinFeatures } from "../../../cli/features/join.ts";
import { pushFeatures } from "../../../cli/features/push.ts";
import { mulberry32 } from "../../../core/random.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";

function project(view: Record<string, unknown>): string {
  const root = tempDir();
  writeFileSync(join(root, "edge-ml.config.json"), JSON.stringify({ featureViews: { customer: view } }));
  return root;
}
const view = { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "memory" };
const readCsv = (file: string) => parse(readFileSync(file), { columns: true }) as Record<string, string>[];

describe("features join", () => {
  it("takes the latest value at or before each row's time, never after; empty values are counted", async () => {
    const root = project(view);
    writeFileSync(
      join(root, "h1.csv"),
      ["customer_id,plan,region,updated_at", "c1,free,eu,2026-01-01", "c1,pro,eu,2026-02-01", "c1,team,us,2026-03-01", "c2,free,,2026-01-10"].join("\n"),
    );
    // A second push: the same key and time as an earlier push is won by the later push.
    writeFileSync(join(root, "h2.csv"), ["customer_id,plan,region,updated_at", "c1,pro+,eu,2026-02-01"].join("\n"));
    await pushFeatures(root, { view: "customer", csv: join(root, "h1.csv"), now: 1 });
    await pushFeatures(root, { view: "customer", csv: join(root, "h2.csv"), now: 2 });
    writeFileSync(
      join(root, "labels.csv"),
      [
        "customer_id,event_time,label",
        "c1,2026-02-15,1", // between versions: February's
        "c1,2026-02-01T00:00:00Z,0", // exactly at a value's time: included (the later push's)
        "c1,2026-01-31T23:59:59.999Z,1", // one ms before: January's
        "c1,2025-12-31,0", // before the first value
        "c9,2026-03-01,1", // never pushed
        ",2026-03-01,1", // no key
        "c2,2026-06-01,0", // long after: the latest
        "c1,1772323200000,1", // epoch ms, 2026-03-01: March's
      ].join("\n"),
    );
    const r = await runCli(["features", "join", "labels.csv", "--view", "customer", "--as-of", "event_time", "--out", "train.csv"], root);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "train.csv: 8 rows, 5 with values as of event_time (from 5 pushed rows)
        empty values: 1 rows, time before the key's first value
        empty values: 1 rows, key never pushed (1 distinct keys)
        empty values: 1 rows, empty key"
    `);
    expect(readFileSync(join(root, "train.csv"), "utf8")).toBe(
      [
        "customer_id,event_time,label,plan,region",
        "c1,2026-02-15,1,pro+,eu",
        "c1,2026-02-01T00:00:00Z,0,pro+,eu",
        "c1,2026-01-31T23:59:59.999Z,1,free,eu",
        "c1,2025-12-31,0,,",
        "c9,2026-03-01,1,,",
        ",2026-03-01,1,,",
        "c2,2026-06-01,0,free,",
        "c1,1772323200000,1,team,us",
        "",
      ].join("\n"),
    );
  });

  it("leaves a value older than the view's ttl empty, and refuses rows without a usable time (file:line)", async () => {
    const root = project({ ...view, ttl: "30d" });
    writeFileSync(join(root, "h.csv"), "customer_id,plan,region,updated_at\nc1,free,eu,2026-01-01\n");
    await pushFeatures(root, { view: "customer", csv: join(root, "h.csv") });
    writeFileSync(join(root, "e.csv"), "customer_id,t\nc1,2026-01-31\nc1,2026-02-01\n");
    const r = await joinFeatures(root, { entities: join(root, "e.csv"), view: "customer", asOf: "t", out: join(root, "o.csv") });
    expect(r).toMatchObject({ rows: 2, matched: 1, expired: 1 });
    expect(readCsv(join(root, "o.csv")).map((row) => row.plan)).toEqual(["free", ""]);
    writeFileSync(join(root, "bad.csv"), "customer_id,t\nc1,2026-01-31\nc1,soon\n");
    const bad = await runCli(["features", "join", "bad.csv", "--view", "customer", "--as-of", "t", "--out", "o.csv"], root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("✖ bad.csv: 1 row without a usable t time\n  • bad.csv:3: t: ");
  });

  it("says what to do when the view has no history, the entity file already has a feature column, or --chunk-rows is bad", async () => {
    const root = project(view);
    writeFileSync(join(root, "e.csv"), "customer_id,t,plan\nc1,2026-01-31,x\n");
    const args = ["features", "join", "e.csv", "--view", "customer", "--as-of", "t", "--out", "o.csv"];
    const none = await runCli(args, root);
    expect(none.stderr).toMatchInlineSnapshot(`
      "✖ feature view "customer" has no history yet
        hint: push its data first: npx edge-ml features push customer <csv>"
    `);
    writeFileSync(join(root, "h.csv"), "customer_id,plan,region,updated_at\nc1,free,eu,2026-01-01\n");
    await pushFeatures(root, { view: "customer", csv: join(root, "h.csv") });
    const clash = await runCli(args, root);
    expect(clash.stderr).toMatchInlineSnapshot(`
      "✖ e.csv already has column "plan" of view "customer"
        hint: drop or rename those columns first: the join adds them"
    `);
    const chunk = await runCli([...args, "--chunk-rows", "1"], root);
    expect(chunk.code).toBe(2);
    expect(chunk.stderr).toContain("✖ --chunk-rows 1 is not a row count");
  });

  it("the external-sort path equals an in-memory reference on seeded random data", async () => {
    const random = mulberry32(16);
    const root = project(view);
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 0, 1);
    const time = () => t0 + Math.floor(random() * 100) * day; // few distinct times: many ties
    const pushes: { key: string; ts: number; plan: string; push: number; line: number }[] = [];
    for (let push = 0; push < 3; push++) {
      const lines = ["customer_id,plan,region,updated_at"];
      for (let i = 0; i < 1500; i++) {
        const key = keys[Math.floor(random() * 50)] as string; // k50..k59 never pushed
        const ts = time();
        const plan = `p${push}-${i}`;
        lines.push(`${key},${plan},r,${random() < 0.5 ? new Date(ts).toISOString() : ts}`);
        pushes.push({ key, ts, plan, push, line: i + 2 });
      }
      writeFileSync(join(root, `h${push}.csv`), lines.join("\n"));
      const r = await pushFeatures(root, { view: "customer", csv: join(root, `h${push}.csv`), chunkRows: 100, now: push + 1 });
      expect(r.runs).toBeGreaterThan(10);
    }
    const entities = ["customer_id,event_time"];
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const key = keys[Math.floor(random() * keys.length)] as string;
      const t = time() - day / 2 + Math.floor(random() * 2) * (day / 2); // on a value's day boundary half the time
      entities.push(`${key},${new Date(t).toISOString()}`);
      // The reference: scan every pushed row.
      let best: (typeof pushes)[number] | undefined;
      for (const p of pushes)
        if (
          p.key === key &&
          p.ts <= t &&
          (best === undefined || p.ts > best.ts || (p.ts === best.ts && (p.push > best.push || (p.push === best.push && p.line > best.line))))
        )
          best = p;
      expected.push(best?.plan ?? "");
    }
    writeFileSync(join(root, "e.csv"), entities.join("\n"));
    const r = await joinFeatures(root, { entities: join(root, "e.csv"), view: "customer", asOf: "event_time", out: join(root, "o.csv"), chunkRows: 100 });
    expect(r.runs).toBeGreaterThan(60);
    expect(r.historyRows).toBe(4500);
    const out = readCsv(join(root, "o.csv"));
    expect(out.map((row) => row.customer_id)).toEqual(entities.slice(1).map((l) => l.split(",")[0]));
    expect(out.map((row) => row.plan)).toEqual(expected);
    expect(expected.filter((p) => p === "").length).toBe(r.beforeFirst + r.noHistory);
    expect(r.noHistory).toBeGreaterThan(0);
    expect(r.beforeFirst).toBeGreaterThan(0);
  });
});
