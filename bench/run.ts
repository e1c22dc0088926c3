/**
 * `npm run bench`: runs every benchmark and writes bench/results/latest.json and bench/results/latest.md.
 * Targets are reported, never asserted: speed belongs here, not in unit tests. `BENCH_ONLY=optimize npm run bench`
 * runs only the optimize benchmark and writes bench/results/optimize.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { benchCliHelp, renderCliHelp } from "./cli-help.ts";
import { benchOptimize, renderOptimize } from "./optimize.ts";
import { benchWorker, type WorkerBenchRow } from "./worker.ts";

const tmp = mkdtempSync(join(tmpdir(), "edge-ml-bench-"));
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" };
const resultsDir = join(import.meta.dirname, "results");
try {
  if (process.env["BENCH_ONLY"] === "optimize") {
    const optimize = await benchOptimize(tmp);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, "optimize.json"), `${JSON.stringify({ date: new Date().toISOString(), machine, optimize }, null, 2)}\n`);
    const md = `# edge-ml optimize benchmark\n\nNode ${machine.node}, ${machine.cpus} cores (${machine.cpu}).\n\n${renderOptimize(optimize)}`;
    writeFileSync(join(resultsDir, "optimize.md"), md);
    console.log(md);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  }
  const worker = await benchWorker(tmp);
  const cliHelp = benchCliHelp();
  const optimizeTmp = join(tmp, "optimize");
  mkdirSync(optimizeTmp);
  const optimize = await benchOptimize(optimizeTmp);
  const result = {
    date: new Date().toISOString(),
    machine,
    worker,
    cliHelp,
    optimize,
  };
  const dir = resultsDir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const md = `${renderMarkdown(result.machine, worker)}\n${renderOptimize(optimize)}\n${renderCliHelp(cliHelp)}`;
  writeFileSync(join(dir, "latest.md"), md);
  console.log(md);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function renderMarkdown(machine: { node: string; cpus: number; cpu: string }, rows: WorkerBenchRow[]): string {
  const head =
    "| model | batch | raw session.run p50 / p99 (µs) | full handler p50 / p99 (µs) | handler ÷ raw p50 / p99 | onnxruntime-node 1 thread p50 / p99 (µs) | wasm ÷ native p50 | cold start (ms) = workerd ready + first request | HTTP round trip from Node p50 / p99 (ms) | bundle raw / gzip |";
  const sep = "|---|---|---|---|---|---|---|---|---|---|";
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
  const lines = rows.map(
    (r) =>
      `| ${r.model} | ${r.batch} | ${r.rawP50Us} / ${r.rawP99Us} | ${r.handlerP50Us} / ${r.handlerP99Us} | **${r.ratioP50}x** / ${r.ratioP99}x | ${r.ortNodeP50Us} / ${r.ortNodeP99Us} | ${r.wasmVsNativeP50}x | ${r.coldStartMs} = ${r.coldWorkerdReadyMs} + ${r.coldFirstRequestMs} | ${r.httpRoundTripP50Ms} / ${r.httpRoundTripP99Ms} | ${mib(r.bundleRawBytes)} / ${mib(r.bundleGzipBytes)} |`,
  );
  const tel = rows.map(
    (r) => `| ${r.model} | ${r.batch} | ${r.handlerP50Us} | ${r.telemetryOnP50Us} | **${r.telemetryOverheadP50}x** | ${r.telemetryBatchesSent} |`,
  );
  const telemetry = [
    "",
    "### Telemetry overhead in the handler (same run, alternating blocks; target ≤ 1.02x)",
    "",
    "| model | batch | handler, telemetry off p50 (µs) | handler, telemetry on p50 (µs) | on ÷ off | batches flushed |",
    "|---|---|---|---|---|---|",
    ...tel,
  ];
  const bd = rows.map(
    (r) =>
      `| ${r.model} | ${r.batch} | ${r.breakdownUs["requestAndBody"]} | ${r.breakdownUs["responseJson"]} | ${r.breakdownUs["honoPlain"]} | ${r.breakdownUs["honoWithRun"]} | ${r.breakdownUs["honoWithPredict"]} | ${r.breakdownUs["predictor"]} | ${r.breakdownUs["raw"]} | ${r.handlerP50Us} |`,
  );
  const breakdown = [
    "",
    "### Where the handler's time goes (inside workerd, µs, medians of blocks)",
    "",
    "| model | batch | new Request + read body | Response.json + read | bare Hono echo route | bare Hono route + raw session.run | bare Hono route + predictor | predictor alone (validate ▶ preprocess ▶ run ▶ postprocess) | raw session.run | full edge-ml handler |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...bd,
  ];
  const hello = rows[0]?.helloWorldReadyMs ?? 0;
  const cold = [
    "",
    `Cold start split: a hello-world Worker (no wasm) is ready in ${hello} ms on this machine, so of each "workerd ready" figure about ${hello} ms is workerd itself and the rest is compiling onnxruntime-web's 14 MB wasm module (CompiledWasm modules are compiled when the script loads); "first request" is ORT's runtime start, the integrity check, session creation and one run.`,
  ];
  return [
    `# edge-ml benchmarks`,
    "",
    `Node ${machine.node}, ${machine.cpus} cores (${machine.cpu}). Raw and handler are timed inside workerd, same isolate and run, in alternating blocks: workerd's clock steps by ${rows[0]?.workerdClockResolutionMs ?? "?"} ms, so a single ~20 µs run cannot be timed; each block runs enough requests for ~50 ms and p50/p99 are over the block means (${rows[0]?.blocks ?? "?"} blocks per row), so p99 here is the p99 of 50 ms averages, not of single requests. onnxruntime-node runs the same tensor in Node, timed per run. The HTTP round trip from Node includes Node↔workerd plumbing and is timed per request.`,
    "",
    "## Worker (workerd via miniflare)",
    "",
    head,
    sep,
    ...lines,
    ...cold,
    ...telemetry,
    ...breakdown,
    "",
  ].join("\n");
}
