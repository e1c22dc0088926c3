/**
 * The ingest fast path (core/schema/telemetry-fast.ts) must give zod's verdict: on valid batches and on thousands of
 * mutated ones (wrong types, out-of-range numbers, extra and missing keys, long strings; in samples, profiles and the
 * backend), the same success, the same data, and the same issues.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { TelemetryBatch, type TelemetryBatchInput } from "../../../core/schema/telemetry.ts";
import { parseTelemetryBatch } from "../../../core/schema/telemetry-fast.ts";
import { createProfileSet } from "../../../runtime/telemetry/profiles.ts";
import { makeBatch } from "../../monitor/helpers.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";
import { seeded } from "../../runtime/telemetry/helpers.ts";

const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));

function validBatch(rnd: () => number): TelemetryBatchInput {
  const set = createProfileSet(manifest.baseline!, manifest.slices);
  const samples = Array.from({ length: 5 }, (_, i) => {
    const instance = { sex: rnd() < 0.5 ? "male" : "female", age: rnd() < 0.2 ? null : Math.round(rnd() * 80), passengerClass: ["1st", "2nd", "3rd"][i % 3]! };
    set.add([instance], [{ score: rnd(), label: "no" }]);
    return {
      ts: 1_767_225_600_000 + i,
      requestId: `req-${i}`,
      ...(i === 2 ? { index: 1 } : {}),
      features: instance,
      prediction: { score: 0.3, label: "no" },
      latencyMs: 2.5,
      status: 200,
      slices: { sex: instance.sex },
      ...(i === 4 ? { error: "bad_request" } : {}),
    };
  });
  // Half the batches name their backend (issue 13), half are an older client's, which must keep validating.
  const backend = rnd() < 0.5 ? { backend: { device: "wasm", engine: "ort-wasm", reason: "WebGPU disagreed with WASM on the parity probe; using WASM" } } : {};
  // A third are a rollout build's (issue 14): a champion's (no mode) or a challenger's.
  const r = rnd();
  const rollout =
    r < 0.33
      ? { rollout: r < 0.1 ? { arm: "champion" as const } : { arm: "challenger" as const, mode: r < 0.2 ? ("shadow" as const) : ("canary" as const) } }
      : {};
  return makeBatch({ samples, profile: set.take()!, ...backend, ...rollout });
}

const WEIRD: unknown[] = [
  -1,
  1.5,
  0,
  1e20,
  Number.MAX_SAFE_INTEGER + 2,
  "x",
  "",
  "a".repeat(300),
  null,
  true,
  [],
  {},
  [1, 2],
  { kind: "numeric" },
  100,
  599,
  600,
];

/** Every path to a value inside `v` (arrays and objects), for picking what to break. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== "object") return [prefix];
  const keys = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
  return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function mutate(batch: unknown, rnd: () => number): unknown {
  const copy = structuredClone(batch) as Record<string, unknown>;
  const all = paths(copy).filter((p) => p.length > 0 && (p[0] === "samples" || p[0] === "profile" || p[0] === "backend" || p[0] === "rollout"));
  const path = all[Math.floor(rnd() * all.length)]!;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const r = rnd();
  if (r < 0.1 && !Array.isArray(parent)) delete parent[last];
  else if (r < 0.2 && !Array.isArray(parent)) parent[`extra${Math.floor(rnd() * 3)}`] = 1;
  else parent[last] = WEIRD[Math.floor(rnd() * WEIRD.length)];
  return copy;
}

const norm = (issues: readonly { path: readonly unknown[]; message: string }[]) => issues.map((i) => JSON.stringify([i.path.map(String), i.message])).sort();

describe("fast ingest validation", () => {
  it("accepts valid batches exactly as zod does", () => {
    const rnd = seeded(11);
    for (let i = 0; i < 50; i++) {
      const b = validBatch(rnd);
      const zod = TelemetryBatch.safeParse(structuredClone(b));
      const fast = parseTelemetryBatch(structuredClone(b));
      expect(zod.success && fast.success).toBe(true);
      if (zod.success && fast.success) expect(fast.data).toEqual(zod.data);
    }
  });

  it("gives zod's verdict and issues on 3000 mutated batches", () => {
    const rnd = seeded(12);
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const bad = mutate(validBatch(rnd), rnd);
      const zod = TelemetryBatch.safeParse(structuredClone(bad));
      const fast = parseTelemetryBatch(structuredClone(bad));
      expect(fast.success, JSON.stringify(bad)).toBe(zod.success);
      if (zod.success && fast.success) expect(fast.data).toEqual(zod.data);
      if (!zod.success && !fast.success) {
        rejected++;
        expect(norm(fast.issues)).toEqual(norm(zod.error.issues));
      }
    }
    expect(rejected).toBeGreaterThan(1500); // most mutations break something
  }, 120_000); // 6000 zod parses: ~25 s on a loaded 2-core machine, over vitest's default 30 s when tests run beside it
});
