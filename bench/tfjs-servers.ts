/**
 * TF.js models on servers (`BENCH_ONLY=tfjs-servers`): the same model built twice per runtime, on TF.js's WASM backend
 * (`--engine tfjs-wasm`, what `auto` ships when WASM agrees with CPU) and on its CPU backend (`--engine tfjs-cpu`),
 * served side by side (workerd via miniflare, Deno, Node) and asked the same V2 binary infer in alternation, so load
 * on the machine hits both alike. Reported per runtime: the first answer after start (backend start-up and model load
 * included), the median warm request, their CPU ÷ WASM ratios, and the bytes a Worker uploads. Models: BlazeFace (a
 * 256x256 face detector, fused convolutions) and tiny-layers (a small Keras model), from test/fixtures/tfjs.
 */
import { join } from "node:path";
import { buildTarget } from "../cli/build/bundle.ts";
import { addModel } from "../cli/registry/add-model.ts";
import { encodeBinaryRequest, HEADER_LENGTH } from "../core/v2-binary.ts";
import { getTarget } from "../targets/index.ts";
import type { LocalServer } from "../targets/types.ts";
import { quantile, round } from "./stats.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "tfjs");
const RUNTIMES = ["worker", "deno", "node"] as const;
type Runtime = (typeof RUNTIMES)[number];

interface Case {
  name: string;
  model: string;
  input: { name: string; dims: number[] };
  rounds: number;
}

const CASES: Case[] = [
  { name: "blazeface", model: join(FIXTURES, "blazeface", "model.json"), input: { name: "input:0", dims: [1, 256, 256, 3] }, rounds: 12 },
  { name: "tiny-layers", model: join(FIXTURES, "tiny-layers"), input: { name: "image", dims: [2, 8, 8, 3] }, rounds: 200 },
];

export interface TfjsServerRow {
  model: string;
  runtime: Runtime;
  wasmFirstMs: number;
  cpuFirstMs: number;
  wasmP50Ms: number;
  cpuP50Ms: number;
  /** CPU ÷ WASM, warm median: how many times faster WASM answers. */
  cpuVsWasm: number;
  /** What a Worker uploads (bundle + model + wasm), raw and gzip. */
  wasmBundleBytes?: number;
  cpuBundleBytes?: number;
  /** What `--engine auto` picked for this model and why (the build's parity run). */
  auto: string;
}

function request(c: Case): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const n = c.input.dims.reduce((a, d) => a * d, 1);
  const data = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
  const { body, headerLength } = encodeBinaryRequest({ inputs: [{ name: c.input.name, shape: c.input.dims, datatype: "FP32" }] }, [data]);
  return { body, headers: { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(headerLength) } };
}

async function timeRequest(server: LocalServer, model: string, req: ReturnType<typeof request>): Promise<number> {
  const started = performance.now();
  const res = await fetch(new URL(`v2/models/${model}/infer`, server.url), { method: "POST", body: req.body, headers: req.headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${server.url}: ${res.status}`);
  return performance.now() - started;
}

export async function benchTfjsServers(tmp: string): Promise<TfjsServerRow[]> {
  const root = join(tmp, "tfjs-servers");
  const rows: TfjsServerRow[] = [];
  for (const c of CASES) {
    await addModel(root, { model: c.model, name: c.name, version: "1.0.0", slices: [] });
    const ref = `${c.name}@1.0.0`;
    const auto = await buildTarget({ root, ref, target: "worker", outDir: join(root, `${c.name}-auto`) });
    const req = request(c);
    for (const runtime of RUNTIMES) {
      const [wasm, cpu] = [
        await buildTarget({ root, ref, target: runtime, engine: "tfjs-wasm", outDir: join(root, `${c.name}-${runtime}-wasm`) }),
        await buildTarget({ root, ref, target: runtime, engine: "tfjs-cpu", outDir: join(root, `${c.name}-${runtime}-cpu`) }),
      ];
      const serve = await getTarget(runtime, "dev").serve!.load();
      const servers = await Promise.all([serve(wasm.outDir, { port: 0 }), serve(cpu.outDir, { port: 0 })]);
      try {
        const first = [await timeRequest(servers[0], c.name, req), await timeRequest(servers[1], c.name, req)];
        for (let i = 0; i < 2; i++) await Promise.all(servers.map((s) => timeRequest(s, c.name, req)));
        const times: [number[], number[]] = [[], []];
        for (let r = 0; r < c.rounds; r++) {
          // Alternate which goes first, so neither always follows the other.
          const order = r % 2 === 0 ? [0, 1] : [1, 0];
          for (const i of order) times[i as 0 | 1].push(await timeRequest(servers[i]!, c.name, req));
        }
        const [wasmP50, cpuP50] = times.map((t) => quantile(t, 0.5)) as [number, number];
        rows.push({
          model: c.name,
          runtime,
          wasmFirstMs: round(first[0]!, 1),
          cpuFirstMs: round(first[1]!, 1),
          wasmP50Ms: round(wasmP50, 2),
          cpuP50Ms: round(cpuP50, 2),
          cpuVsWasm: round(cpuP50 / wasmP50, 2),
          ...(runtime === "worker" ? { wasmBundleBytes: wasm.totalBytes, cpuBundleBytes: cpu.totalBytes } : {}),
          auto: auto.engine.tfjs?.reason ?? auto.engine.reason,
        });
        console.error(`tfjs-servers: ${c.name} ${runtime}: WASM ${round(wasmP50, 2)} ms, CPU ${round(cpuP50, 2)} ms`);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    }
  }
  return rows;
}

export function renderTfjsServers(rows: TfjsServerRow[]): string {
  const kib = (b: number | undefined) => (b === undefined ? "" : `${(b / 1024).toFixed(0)} KiB`);
  const autos = [...new Map(rows.map((r) => [r.model, r.auto])).entries()].map(([model, reason]) => `- ${model}: ${reason}`);
  return [
    "## TF.js models on servers: WASM backend vs CPU backend (same run, alternating requests)",
    "",
    "Each request is a KServe V2 binary infer over HTTP on 127.0.0.1 (the request's parse and the response included). First = the first answer after the server started (backend start-up and model load included).",
    "",
    "| model | runtime | WASM first (ms) | CPU first (ms) | WASM p50 (ms) | CPU p50 (ms) | CPU ÷ WASM | Worker upload, WASM / CPU |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.runtime} | ${r.wasmFirstMs} | ${r.cpuFirstMs} | ${r.wasmP50Ms} | ${r.cpuP50Ms} | **${r.cpuVsWasm}x** | ${r.wasmBundleBytes === undefined ? "" : `${kib(r.wasmBundleBytes)} / ${kib(r.cpuBundleBytes)}`} |`,
    ),
    "",
    "What `--engine auto` picks for a Worker (the build's WASM-vs-CPU check in Node):",
    "",
    ...autos,
    "",
  ].join("\n");
}
