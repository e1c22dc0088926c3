/** features push / show on a memory view (a snapshot file, no workerd); the KV and D1 stores: test/integration/features-local-store.test.ts. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pushFeatures } from "../../../cli/features/push.ts";
import { showFeature } from "../../../cli/features/show.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";

function project(views: Record<string, unknown>): string {
  const root = tempDir();
  writeFileSync(join(root, "edge-ml.config.json"), JSON.stringify({ featureViews: views }));
  return root;
}
const customer = { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "memory" };
const NOW = Date.UTC(2026, 5, 1);

describe("features push", () => {
  it("keeps the latest row per key by timestamp; on a tie the later row in the file wins", async () => {
    const root = project({ customer });
    const csv = join(root, "c.csv");
    writeFileSync(
      csv,
      [
        "customer_id,plan,region,updated_at",
        "c1,pro,eu,2026-02-01",
        "c2,free,us,1767225600000",
        "c1,free,eu,2026-01-01", // older than line 2: loses although later in the file
        "c1,team,,2026-02-01T00:00:00Z", // same time as line 2: the later row wins
        "c3,free,eu,2026-03-01",
        "c3,pro,eu,2026-01-01",
      ].join("\n"),
    );
    const r = await pushFeatures(root, { view: "customer", csv, now: NOW });
    expect(r).toMatchObject({ rows: 6, validRows: 6, keys: 3, written: 3, kept: 0, badRowCount: 0 });
    expect((await showFeature(root, "customer", "c1", NOW)).record).toEqual({
      values: { plan: "team", region: null },
      ts: Date.UTC(2026, 1, 1),
      pushedAt: NOW,
    });
    expect((await showFeature(root, "customer", "c2", NOW)).record.ts).toBe(1767225600000);
    expect((await showFeature(root, "customer", "c3", NOW)).record.values.plan).toBe("free");
    // The history keeps every row, sorted by key then time then line.
    const files = readdirSync(join(root, ".edge-ml", "features", "customer", "history"));
    expect(files).toEqual([`${NOW}.jsonl`]);
    const lines = readFileSync(join(root, ".edge-ml", "features", "customer", "history", files[0] as string), "utf8")
      .trim()
      .split("\n");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ v: 1, columns: ["plan", "region"], pushedAt: NOW });
    expect(lines.slice(1).map((l) => (JSON.parse(l) as [string, number, number])[2])).toEqual([4, 2, 5, 3, 7, 6]);
  });

  it("refuses a file with bad rows (located by file:line, nothing written), or skips them with --skip-bad-rows", async () => {
    const root = project({ customer });
    const csv = join(root, "bad.csv");
    writeFileSync(
      csv,
      ["customer_id,plan,region,updated_at", "c1,pro,eu,2026-02-01", ",pro,eu,2026-02-01", "c2,pro,eu,2026-02-30", "c3,pro,eu", "c4,free,us,"].join("\n"),
    );
    const refused = await runCli(["features", "push", "customer", "bad.csv"], root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatchInlineSnapshot(`
      "✖ bad.csv: 4 bad rows; nothing was pushed
        • bad.csv:3: missing key (customer_id is empty)
        • bad.csv:4: updated_at: February 2026 has 28 days
        • bad.csv:5: 3 fields, the header has 4
        • bad.csv:6: updated_at: the timestamp is empty
        hint: fix them, or pass --skip-bad-rows to push the other rows (the skipped ones are listed)"
    `);
    expect(existsSync(join(root, ".edge-ml", "features", "customer"))).toBe(false);
    const skipped = await runCli(["features", "push", "customer", "bad.csv", "--skip-bad-rows"], root);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain("skipped 4 bad rows:\n  • bad.csv:3: missing key (customer_id is empty)");
    expect(skipped.stdout).toContain("wrote 1 keys to");
    const shown = await runCli(["features", "show", "customer", "c1"], root);
    expect(shown.stdout).toContain("plan    pro\n  region  eu\nts 2026-02-01T00:00:00.000Z");
  });

  it("--dry-run shows counts and examples and writes nothing; a missing key or view is a clear error", async () => {
    const root = project({ customer, acct: { key: "id", features: ["score"], store: "memory", ttl: "1d" } });
    writeFileSync(join(root, "c.csv"), "customer_id,plan,region,updated_at\nc1,pro,eu,2026-02-01\n");
    const dry = await runCli(["features", "push", "customer", "c.csv", "--dry-run"], root);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run: c.csv: 1 rows, 1 keys");
    expect(dry.stdout).toContain('would write 1 keys to memory (dry run)\n  c1 @ 2026-02-01T00:00:00.000Z: {"plan":"pro","region":"eu"}');
    expect(existsSync(join(root, ".edge-ml"))).toBe(false);
    const missing = await runCli(["features", "show", "customer", "c1"], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('✖ key "c1" is not in feature view "customer"');
    expect(missing.stderr).toContain("hint: check the customer_id value, or push it: npx edge-ml features push customer <csv>");
    const noView = await runCli(["features", "show", "nope", "c1"], root);
    expect(noView.stderr).toMatchInlineSnapshot(`
      "✖ no feature view "nope" in edge-ml.config.ts
        hint: configured views: customer, acct"
    `);
    writeFileSync(join(root, "a.csv"), "id,value\na,1\n");
    const noColumn = await runCli(["features", "push", "acct", "a.csv"], root);
    expect(noColumn.stderr).toContain('✖ a.csv has no column "score" (feature score)');
  });

  it("a re-push of older values never moves a key back in time; values past the ttl are left out", async () => {
    const root = project({ acct: { key: "id", features: ["score"], timestamp: "t", store: "memory", ttl: "1d" } });
    const csv = join(root, "a.csv");
    writeFileSync(csv, "id,score,t\na,1,2026-05-31T12:00:00Z\nb,2,2026-05-01\n");
    expect(await pushFeatures(root, { view: "acct", csv, now: NOW })).toMatchObject({ keys: 2, written: 1, expired: 1 });
    writeFileSync(csv, "id,score,t\na,0,2026-05-31T06:00:00Z\n");
    expect(await pushFeatures(root, { view: "acct", csv, now: NOW + 1 })).toMatchObject({ keys: 1, written: 0, kept: 1 });
    expect((await showFeature(root, "acct", "a", NOW)).record.values.score).toBe("1");
  });
});
