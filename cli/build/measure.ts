/**
 * Start-up and memory of a built Worker in real workerd, measured beside a hello-world Worker in the same run, so the
 * numbers say what the build adds over an empty Worker on this machine (what Cloudflare's 1 s start-up and 128 MB
 * limits are about). Each start is a new workerd process through miniflare with the build's explicit module list
 * (targets/worker/serve.ts); hello and model starts alternate, and the medians are reported.
 *
 * - start-up: process spawn ▶ ready (workerd has compiled the CompiledWasm modules and run the global scope);
 * - first prediction: ready ▶ the answer to one real request (lazy ORT start + session + run);
 * - cold start: spawn ▶ first answer;
 * - memory (Linux only): workerd's VmRSS after the first answer; growth = model − hello.
 *
 * The script start-up compared with the 1 s limit is model start − hello start: what the script adds to an empty
 * Worker (the process's own start is not the Worker's).
 *
 * @example
 * ```ts
 * const m = await measureWorker("dist/titanic-1.0.0-worker");
 * m.scriptStartupMs; // 540
 * m.memoryGrowthBytes; // 99_000_000 (null off Linux)
 * ```
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { serveWorker } from "../../targets/worker/serve.ts";
import type { BuildResult } from "../../targets/types.ts";
import { exampleRequest, type ServedModel } from "./measure-request.ts";
import { ageMs, cpuMs, descendantPids, PROC_STATS, residentBytes } from "./proc-stats.ts";

/** One start of one Worker. */
export interface StartSample {
  /** miniflare's own work in Node before it spawns workerd (reading and serializing the modules): not the Worker's. */
  setupMs: number;
  /** workerd process spawn ▶ ready. */
  startupMs: number;
  /** Ready ▶ the first answer (the model Worker: one real prediction). */
  firstRequestMs: number;
  /** Spawn ▶ the first answer. */
  coldStartMs: number;
  /** workerd's resident memory after the first answer; null where it cannot be read. */
  rssBytes: number | null;
  /** CPU time workerd used until ready (every thread); null where it cannot be read. */
  startupCpuMs: number | null;
}

export interface WorkerMeasurement {
  /** Model Worker, median spawn ▶ ready. */
  startupMs: number;
  firstPredictionMs: number;
  coldStartMs: number;
  /** What the script adds to an empty Worker's start (model − hello start-up): compared with the 1 s limit. */
  scriptStartupMs: number;
  /** The same in workerd's CPU time (model − hello), which other load on the machine inflates less; null off Linux. */
  scriptStartupCpuMs: number | null;
  rssBytes: number | null;
  /** Model − hello resident memory: compared with the 128 MB limit. */
  memoryGrowthBytes: number | null;
  /** A hello-world Worker started in the same run: the machine's and workerd's own share. */
  hello: StartSample;
  /** Starts of each Worker (medians over these). */
  runs: number;
  /** How memory was read, or why it was not. */
  memory: string;
  /** How busy the machine was (1-minute load average at the end, and its cores): wall times grow with load. */
  machine: { cpus: number; loadAverage: number };
  /** The request timed as the first prediction. */
  request: { method: "POST"; path: string };
  samples: { model: StartSample[]; hello: StartSample[] };
}

export interface MeasureOptions {
  /** Starts of each Worker, alternating hello and model (default 3). */
  runs?: number;
  onProgress?: (step: string) => void;
}

const HELLO_WORKER = `export default { fetch() { return new Response("ok"); } };`;

export async function measureWorker(outDir: string, opts: MeasureOptions = {}): Promise<WorkerMeasurement> {
  const dir = resolve(outDir);
  const build = JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as BuildResult;
  if (build.target !== "worker") {
    throw new EdgeMlError("ERR_USAGE", `${dir} holds a ${build.target} build: start-up and memory are measured for worker builds`, {
      hint: "build it with `--target worker`",
    });
  }
  const runs = Math.max(1, Math.floor(opts.runs ?? 3));
  const ref = `${build.model.name}@${build.model.version}`;
  const hello = mkdtempSync(join(tmpdir(), "edge-ml-hello-"));
  writeFileSync(join(hello, "worker.js"), HELLO_WORKER);
  writeFileSync(join(hello, "build.json"), JSON.stringify({ target: "worker", files: [{ path: "worker.js", type: "ESModule" }] }));
  try {
    // An unmeasured start first: it reads what the Worker serves (to build a valid request), checks that it answers,
    // and warms the disk cache so the first measured start is not the only one reading workerd and the wasm from disk.
    opts.onProgress?.(`measuring ${ref} in workerd: warm-up start`);
    const request = await warmUp(dir, build.model.name, ref);
    const model: StartSample[] = [];
    const helloSamples: StartSample[] = [];
    for (let i = 0; i < runs; i++) {
      opts.onProgress?.(`measuring ${ref} in workerd: start ${i + 1} of ${runs} (hello-world, then the model)`);
      helloSamples.push(await startOnce(hello, { path: "", check: () => {} }));
      model.push(await startOnce(dir, { path: request.path, body: request.body, check: answerCheck(ref, request.path) }));
    }
    const m = medianSample(model);
    const h = medianSample(helloSamples);
    return {
      startupMs: m.startupMs,
      firstPredictionMs: m.firstRequestMs,
      coldStartMs: m.coldStartMs,
      scriptStartupMs: round(Math.max(0, m.startupMs - h.startupMs)),
      scriptStartupCpuMs: m.startupCpuMs !== null && h.startupCpuMs !== null ? round(Math.max(0, m.startupCpuMs - h.startupCpuMs)) : null,
      rssBytes: m.rssBytes,
      memoryGrowthBytes: m.rssBytes !== null && h.rssBytes !== null ? m.rssBytes - h.rssBytes : null,
      hello: h,
      runs,
      memory: PROC_STATS ? "workerd's VmRSS (/proc) after the first answer" : `unavailable on ${process.platform} (read from Linux's /proc only)`,
      machine: { cpus: availableParallelism(), loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
      request: { method: "POST", path: `/${request.path}` },
      samples: { model, hello: helloSamples },
    };
  } finally {
    rmSync(hello, { recursive: true, force: true });
  }
}

async function warmUp(dir: string, name: string, ref: string): Promise<{ path: string; body: string }> {
  const server = await serveWorker(dir, { port: 0 });
  try {
    const meta = await fetch(new URL(`v2/models/${name}`, server.url));
    if (meta.status !== 200)
      throw new EdgeMlError("ERR_BUILD", `${ref}: GET /v2/models/${name} answered ${meta.status} in workerd`, {
        hint: `try it with \`npx edge-ml dev ${ref}\``,
      });
    const request = exampleRequest((await meta.json()) as ServedModel);
    const res = await post(new URL(request.path, server.url), request.body);
    answerCheck(ref, request.path)(res.status, await res.text());
    return request;
  } finally {
    await server.close();
  }
}

function answerCheck(ref: string, path: string): (status: number, text: string) => void {
  return (status, text) => {
    if (status !== 200) {
      throw new EdgeMlError("ERR_BUILD", `${ref} answered ${status} to an example request in workerd (POST /${path}): ${text.slice(0, 400)}`, {
        hint: `try it with \`npx edge-ml dev ${ref}\`, or build again; skip the measurement with --no-measure`,
      });
    }
  };
}

async function startOnce(dir: string, req: { path: string; body?: string; check: (status: number, text: string) => void }): Promise<StartSample> {
  const before = new Set(descendantPids("workerd"));
  const t0 = performance.now();
  const server = await serveWorker(dir, { port: 0 });
  try {
    const tReady = performance.now();
    // The workerd this start spawned: the one new descendant (none off Linux; ambiguous if another starts meanwhile).
    const pids = descendantPids("workerd").filter((p) => !before.has(p));
    const pid = pids.length === 1 ? pids[0] : undefined;
    const startupCpuMs = pid === undefined ? null : cpuMs(pid);
    // Spawn time from the process's own start time; where it cannot be read, from the call (setup counted in).
    const age = pid === undefined ? null : ageMs(pid);
    const tSpawn = age === null ? t0 : Math.min(tReady, Math.max(t0, performance.now() - age));
    const url = new URL(req.path, server.url);
    const res = req.body === undefined ? await fetch(url) : await post(url, req.body);
    req.check(res.status, await res.text());
    const tFirst = performance.now();
    const rssBytes = pid === undefined ? null : residentBytes(pid);
    return {
      setupMs: round(tSpawn - t0),
      startupMs: round(tReady - tSpawn),
      firstRequestMs: round(tFirst - tReady),
      coldStartMs: round(tFirst - tSpawn),
      rssBytes,
      startupCpuMs,
    };
  } finally {
    await server.close();
  }
}

const post = (url: URL, body: string) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });

function medianSample(xs: StartSample[]): StartSample {
  return {
    setupMs: median(xs.map((x) => x.setupMs)),
    startupMs: median(xs.map((x) => x.startupMs)),
    firstRequestMs: median(xs.map((x) => x.firstRequestMs)),
    coldStartMs: median(xs.map((x) => x.coldStartMs)),
    rssBytes: medianOrNull(xs.map((x) => x.rssBytes)),
    startupCpuMs: medianOrNull(xs.map((x) => x.startupCpuMs)),
  };
}

/** The median when every start was read, else null (a partial reading is not reported as if it were whole). */
function medianOrNull(xs: (number | null)[]): number | null {
  const read = xs.filter((x): x is number => x !== null);
  return read.length === xs.length ? median(read) : null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return round(s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

const round = (ms: number) => Math.round(ms * 10) / 10;
