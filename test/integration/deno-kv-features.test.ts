/**
 * Deno KV feature stores (issue 16) in the real deno binary: the reader's getMany chunks of 10 all in flight at once,
 * keys answered in order with misses; the snapshot loader keeping push's rule (an older value never replaces a newer
 * one, the same push loaded again writes nothing, values past the ttl are skipped); a stored value that is not a
 * record throws naming its key; and the Deno server's start-up (openDenoFeatures: EDGE_ML_DENO_KV, EDGE_ML_FEATURES_DIR)
 * with its errors when deno runs without --unstable-kv.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { denoBinary } from "../../targets/deno/serve.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const dir = tempDir();
const url = (file: string) => `file://${join(REPO_ROOT, file)}`;

/** Run a TypeScript module in deno (sources imported straight from the checkout); its last stdout line is JSON. */
function runDeno(source: string, flags: string[] = ["--unstable-kv"]): unknown {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  const out = execFileSync(denoBinary(), ["run", ...flags, `--allow-read=${REPO_ROOT},${dir}`, `--allow-write=${dir}`, "--no-prompt", file], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string);
}

const line = (key: string, plan: string, ts: number, pushedAt = 9_000) => JSON.stringify({ key, values: { plan, region: null }, ts, pushedAt });

describe("Deno KV feature store (deno binary)", () => {
  it("reads 23 keys as getMany chunks of 10, 10 and 3 all in flight together, in key order with misses", () => {
    const r = runDeno(`
      import { createDenoKvReader } from "${url("targets/deno/kv-features.ts")}";
      const kv = await Deno.openKv("${join(dir, "read.sqlite3")}");
      for (let i = 0; i < 20; i++) await kv.set(["customer", "c-" + i], { values: { plan: "p" + i }, ts: i, pushedAt: 100 });
      await kv.set(["account", "c-1"], { values: { plan: "other view" }, ts: 1, pushedAt: 1 });
      let inFlight = 0, maxInFlight = 0; const sizes = [];
      const spy = { ...kv, atomic: () => kv.atomic(), close: () => kv.close(), getMany: async (keys) => {
        sizes.push(keys.length); inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
        try { return await kv.getMany(keys); } finally { inFlight--; }
      } };
      const keys = Array.from({ length: 23 }, (_, i) => "c-" + (22 - i));
      const got = await createDenoKvReader(spy).read("customer", keys);
      kv.close();
      console.log(JSON.stringify({ sizes, maxInFlight, got: got.map((r) => r?.values.plan ?? null) }));
    `);
    expect(r).toEqual({
      sizes: [10, 10, 3],
      maxInFlight: 3,
      got: ["(22)", "(21)", "(20)", ...Array.from({ length: 20 }, (_, i) => `p${19 - i}`)].map((v) => (v.startsWith("(") ? null : v)),
    });
  });

  it("loads a snapshot keeping newer values, skipping the same push and values past the ttl; a non-record value throws naming its key", () => {
    const r = runDeno(`
      import { createDenoKvReader, loadSnapshotIntoKv } from "${url("targets/deno/kv-features.ts")}";
      import { parseSnapshot } from "${url("runtime/features/memory-reader.ts")}";
      const kv = await Deno.openKv("${join(dir, "load.sqlite3")}");
      const first = parseSnapshot(${JSON.stringify([line("a", "new", 2_000), line("b", "b1", 1_000), ...Array.from({ length: 30 }, (_, i) => line(`k${i}`, "x", 1_500))].join("\n"))}, "first");
      const older = parseSnapshot(${JSON.stringify([line("a", "old", 1_500, 9_500), line("b", "b2", 1_200, 9_500), line("gone", "g", 10, 9_500)].join("\n"))}, "older");
      const loads = [
        await loadSnapshotIntoKv(kv, "customer", first, { now: 2_100 }),
        await loadSnapshotIntoKv(kv, "customer", first, { now: 2_100 }),
        await loadSnapshotIntoKv(kv, "customer", older, { ttlMs: 1_000, now: 2_100 }),
      ];
      const reader = createDenoKvReader(kv);
      const values = (await reader.read("customer", ["a", "b", "gone", "k29"])).map((r) => r?.values.plan ?? null);
      await kv.set(["customer", "bad"], "not a record");
      const error = await reader.read("customer", ["bad"]).then(() => "no error", (e) => e.message);
      kv.close();
      console.log(JSON.stringify({ loads, values, error }));
    `) as { loads: unknown[]; values: unknown[]; error: string };
    expect(r.loads).toEqual([
      { written: 32, kept: 0, unchanged: 0, expired: 0 },
      { written: 0, kept: 0, unchanged: 32, expired: 0 },
      { written: 1, kept: 1, unchanged: 0, expired: 1 },
    ]);
    expect(r.values).toEqual(["new", "b2", null, "x"]);
    expect(r.error).toBe('Deno KV entry ["customer", "bad"]: expected a record { values, ts }, got "not a record"');
  });

  it("the server opens EDGE_ML_DENO_KV, loads the view's snapshot from EDGE_ML_FEATURES_DIR, serves memory views from theirs", () => {
    const features = join(dir, "features");
    mkdirSync(join(features, "customer"), { recursive: true });
    mkdirSync(join(features, "region"), { recursive: true });
    writeFileSync(join(features, "customer", "latest.jsonl"), [line("c-1", "pro", 10), line("c-2", "free", 20)].join("\n"));
    writeFileSync(join(features, "region", "latest.jsonl"), JSON.stringify({ key: "eu", values: { tax: "0.2" }, ts: 1, pushedAt: 1 }));
    const plan = {
      views: {
        customer: { key: "customer_id", features: ["plan"], store: "deno-kv" },
        region: { key: "region", features: ["tax"], store: "memory" },
      },
    };
    const script = `
      import { openDenoFeatures } from "${url("targets/deno/features.ts")}";
      const env = { EDGE_ML_DENO_KV: "${join(dir, "server.sqlite3")}", EDGE_ML_FEATURES_DIR: "${features}" };
      try {
        const f = await openDenoFeatures(${JSON.stringify(plan)}, Deno, env);
        const customer = await f.reader.read("customer", ["c-2", "c-9"]);
        const region = await f.reader.read("region", ["eu"]);
        f.close();
        console.log(JSON.stringify({ summary: f.summary, customer, region }));
      } catch (e) { console.log(JSON.stringify({ error: e.message })); }
    `;
    expect(runDeno(script)).toEqual({
      summary: [
        `region: memory, 1 keys from ${features}/region/latest.jsonl`,
        `customer: deno-kv, ${join(dir, "server.sqlite3")}; loaded ${features}/customer/latest.jsonl (2 written)`,
      ],
      customer: [{ values: { plan: "free", region: null }, ts: 20, pushedAt: 9_000 }, null],
      region: [{ values: { tax: "0.2" }, ts: 1, pushedAt: 1 }],
    });
    expect(runDeno(script, [])).toEqual({
      error: `edge-ml: cannot open the Deno KV database ${join(dir, "server.sqlite3")} of feature views customer: Deno KV is off; run deno with --unstable-kv`,
    });
  });
});
