/**
 * Monitor ingest benchmark: the real `edge-ml monitor` process (SQLite, WAL, synchronous=NORMAL) on 127.0.0.1,
 * fed batches of 100 sampled requests over real HTTP (node:http, keep-alive) by concurrent senders in this process. Each batch
 * carries the profiles the edge ships (titanic's baseline: overall + per value of `sex` and `passengerClass`, built by
 * the real runtime profiler), which the monitor adds into its per-minute rows in the same transaction. Prints JSON:
 * events/s (requests counted + profiled + sample rows stored, 100 per batch) and the per-batch ingest latency seen by
 * the sender. `BENCH_PROFILES=0` sends batches without profiles, for comparison.
 * Targets (reported, not asserted): >= 50 000 events/s, p99 <= 50 ms.
 *
 * @example
 * ```sh
 * npx tsx bench/monitor-ingest.ts              # BENCH_BATCHES=3000 BENCH_CONCURRENCY=8 by default
 * ```
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { Manifest } from "../core/schema/manifest.ts";
import { LATENCY_BUCKETS_MS, type BatchProfile, type TelemetryBatchInput } from "../core/schema/telemetry.ts";
import { createProfileSet } from "../runtime/telemetry/profiles.ts";
import { quantile, round } from "./stats.ts";

const BATCHES = Number(process.env["BENCH_BATCHES"] ?? 3000);
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 8);
const SAMPLES = 100;
const WARMUP = 200;
const BIN = join(import.meta.dirname, "..", "cli", "bin.mjs");
const PROFILES = process.env["BENCH_PROFILES"] !== "0";
const manifest = Manifest.parse(JSON.parse(readFileSync(join(import.meta.dirname, "..", "models", "titanic", "1.0.0", "manifest.json"), "utf8")));
const CLASSES = ["1st", "2nd", "3rd"];

function profileOf(i: number): BatchProfile | undefined {
  if (!PROFILES) return undefined;
  const set = createProfileSet(manifest.baseline!, manifest.slices);
  for (let j = 0; j < SAMPLES; j++) {
    set.add(
      [{ sex: j % 2 ? "male" : "female", age: j % 10 === 0 ? null : 20 + ((i + j) % 50), passengerClass: CLASSES[j % 3]! }],
      [{ score: ((i + j) % 97) / 97, label: (i + j) % 3 ? "no" : "yes" }],
    );
  }
  return set.take();
}

function batch(i: number): string {
  const now = Date.now();
  const counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  counts[3] = 90;
  counts[5] = 10;
  const b: TelemetryBatchInput = {
    v: 1,
    batchId: `bench-${process.pid}-${i}`,
    deployment: "bench",
    target: "worker",
    model: { name: "titanic", version: "1.0.0" },
    window: { start: now - 10_000, end: now },
    counters: { requests: SAMPLES, errors: { bad_request: 2 }, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: 420 }, dropped: 0 },
    ...(PROFILES ? { profile: profileOf(i)! } : {}),
    samples: Array.from({ length: SAMPLES }, (_, j) => ({
      ts: now - j,
      requestId: `req-${i}-${j}`,
      features: { sex: j % 2 ? "male" : "female", age: 20 + (j % 50), passengerClass: "3rd", fare: 7.25 + j, siblings: j % 3, embarked: "S" },
      prediction: { label: j % 2, score: 0.42 },
      latencyMs: 3.2,
      status: 200,
      slices: { sex: j % 2 ? "male" : "female" },
    })),
  };
  return JSON.stringify(b);
}

const dir = mkdtempSync(join(tmpdir(), "edge-ml-bench-monitor-"));
const db = join(dir, "monitor.db");
const { token } = JSON.parse(execFileSync(process.execPath, [BIN, "monitor", "token", "create", "bench", "--db", db, "--json"], { encoding: "utf8" })) as {
  token: string;
};
const child = spawn(process.execPath, [BIN, "monitor", "--port", "0", "--db", db], {
  env: { ...process.env, NO_COLOR: "1" },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /monitor listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", () => reject(new Error(`monitor exited:\n${out}`)));
  });
  const bodies = Array.from({ length: WARMUP + BATCHES }, (_, i) => batch(i));
  // node:http with keep-alive rather than fetch: the load generator shares the machine with the monitor, and
  // undici's fetch costs it several times more CPU per request.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(`${url}/v1/ingest`);
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        target,
        { method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const run = async (from: number, to: number) => {
    const latencies: number[] = [];
    let next = from;
    const sender = async () => {
      while (next < to) {
        const body = bodies[next++]!;
        const t0 = performance.now();
        await post(body);
        latencies.push(performance.now() - t0);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    return { seconds: (performance.now() - t0) / 1000, latencies };
  };
  await run(0, WARMUP);
  const { seconds, latencies } = await run(WARMUP, WARMUP + BATCHES);
  const events = BATCHES * SAMPLES;
  const result = {
    bench: "monitor-ingest",
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" },
    setup: {
      batches: BATCHES,
      samplesPerBatch: SAMPLES,
      concurrency: CONCURRENCY,
      bodyBytes: bodies[WARMUP]!.length,
      storage: "SQLite WAL synchronous=NORMAL (one process)",
      profiles: PROFILES ? "overall + 5 slice values per batch" : "none",
    },
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events / seconds),
    batchesPerSecond: round(BATCHES / seconds, 1),
    latencyMs: {
      p50: round(quantile(latencies, 0.5)),
      p95: round(quantile(latencies, 0.95)),
      p99: round(quantile(latencies, 0.99)),
      max: round(Math.max(...latencies)),
    },
    target: { eventsPerSecond: 50_000, p99Ms: 50 },
  };
  console.log(JSON.stringify({ ...result, pass: result.eventsPerSecond >= 50_000 && result.latencyMs.p99 <= 50 }, null, 2));
  agent.destroy();
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
