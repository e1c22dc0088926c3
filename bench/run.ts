/**
 * `npm run bench`: runs every benchmark and writes bench/results/latest.json and bench/results/latest.md.
 * Targets are reported, never asserted: speed belongs here, not in unit tests. `BENCH_ONLY=optimize npm run bench`
 * runs only the optimize benchmark and writes bench/results/optimize.{json,md}; `BENCH_ONLY=worker` only the Worker
 * benchmark (bench/results/worker.{json,md}; `BENCH_MODELS=titanic,mlp` narrows it); `BENCH_ONLY=media` the cost of
 * image, audio and date preprocessing beside the model call (bench/results/media.{json,md}); `BENCH_ONLY=browser`
 * ready time, predict time and bytes per backend in headless Chromium (bench/results/browser.{json,md});
 * `BENCH_ONLY=monitor-ingest` the monitor's ingest on SQLite and on Postgres behind one and two monitor processes
 * (bench/results/monitor-ingest.{json,md}; needs `apt-get install -y postgresql`); `BENCH_ONLY=monitor-history` drift
 * and slice query time over 9 vs 90 days of stored history on SQLite, Postgres and D1 (the monitor Worker), compacted
 * (bench/results/monitor-history.{json,md}); `BENCH_ONLY=tfjs-servers` TF.js models on their WASM vs CPU backend in
 * workerd, Deno and Node (bench/results/tfjs-servers.{json,md}).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { benchBrowser, renderBrowser } from "./browser.ts";
import { benchCliHelp, renderCliHelp } from "./cli-help.ts";
import { benchMedia, renderMedia } from "./media.ts";
import { benchHistory, type HistoryBench, renderHistory } from "./monitor-history.ts";
import { benchMonitorIngestTable, renderMonitorIngest } from "./monitor-ingest.ts";
import { benchOptimize, renderOptimize } from "./optimize.ts";
import { benchTfjsServers, renderTfjsServers } from "./tfjs-servers.ts";
import { benchWorker, type WorkerBenchRow } from "./worker.ts";

const tmp = mkdtempSync(join(tmpdir(), "edge-ml-bench-"));
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" };
const resultsDir = join(import.meta.dirname, "results");
try {
  /** `BENCH_ONLY=<name>`: one benchmark, its own results/<name>.{json,md}. */
  const only = async (name: string, run: () => Promise<unknown>, render: (result: never) => string): Promise<void> => {
    const result = await run();
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine, [name]: result }, null, 2)}\n`);
    const md = render(result as never);
    writeFileSync(join(resultsDir, `${name}.md`), md);
    console.log(md);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  };
  const header = (title: string) => `# edge-ml ${title} benchmark\n\nNode ${machine.node}, ${machine.cpus} cores (${machine.cpu}).\n\n`;
  if (process.env["BENCH_ONLY"] === "optimize")
    await only(
      "optimize",
      () => benchOptimize(tmp),
      (r) => header("optimize") + renderOptimize(r),
    );
  if (process.env["BENCH_ONLY"] === "media") await only("media", benchMedia, (r) => header("media") + renderMedia(r));
  if (process.env["BENCH_ONLY"] === "browser")
    await only(
      "browser",
      () => benchBrowser(tmp),
      (r) => header("browser") + renderBrowser(r),
    );
  if (process.env["BENCH_ONLY"] === "worker")
    await only(
      "worker",
      () => benchWorker(tmp),
      (r) => renderMarkdown(machine, r),
    );
  if (process.env["BENCH_ONLY"] === "monitor-ingest")
    await only("monitor-ingest", benchMonitorIngestTable, (r) => header("monitor ingest") + renderMonitorIngest(r));
  if (process.env["BENCH_ONLY"] === "monitor-history")
    await only(
      "monitor-history",
      async () => [await benchHistory(tmp, "sqlite"), await benchHistory(tmp, "postgres"), await benchHistory(tmp, "d1")],
      (r: HistoryBench[]) => header("monitor history") + r.map(renderHistory).join("\n"),
    );
  if (process.env["BENCH_ONLY"] === "tfjs-servers")
    await only(
      "tfjs-servers",
      () => benchTfjsServers(tmp),
      (r) => header("TF.js servers") + renderTfjsServers(r),
    );
  const worker = await benchWorker(tmp);
  const cliHelp = benchCliHelp();
  const optimizeTmp = join(tmp, "optimize");
  mkdirSync(optimizeTmp);
  const optimize = await benchOptimize(optimizeTmp);
  const media = await benchMedia();
  const browserTmp = join(tmp, "browser");
  mkdirSync(browserTmp);
  const browser = await benchBrowser(browserTmp);
  const monitorIngest = await benchMonitorIngestTable();
  const monitorHistory = [await benchHistory(tmp, "sqlite"), await benchHistory(tmp, "postgres"), await benchHistory(tmp, "d1")];
  const tfjsServers = await benchTfjsServers(tmp);
  const result = {
    date: new Date().toISOString(),
    machine,
    worker,
    cliHelp,
    optimize,
    media,
    browser,
    monitorIngest,
    monitorHistory,
    tfjsServers,
  };
  const dir = resultsDir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const md = `${renderMarkdown(result.machine, worker)}\n${renderOptimize(optimize)}\n${renderMedia(media)}\n${renderBrowser(browser)}\n${renderMonitorIngest(monitorIngest)}\n${monitorHistory.map(renderHistory).join("\n")}\n${renderTfjsServers(tfjsServers)}\n${renderCliHelp(cliHelp)}`;
  writeFileSync(join(dir, "latest.md"), md);
  console.log(md);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function renderMarkdown(machine: { node: string; cpus: number; cpu: string }, rows: WorkerBenchRow[]): string {
  const mib = (b: number | null) => (b === null ? "n/a" : `${(b / 1024 / 1024).toFixed(1)} MiB`);
  const kib = (b: number) => (b < 1024 * 1024 ? `${(b / 1024).toFixed(0)} KiB` : mib(b));
  const main = rows.map(
    (r) =>
      `| ${r.model} | ${r.engine} | ${r.batch} | ${r.handlerP50Us} | ${r.minimalRouteP50Us} | **${r.handlerVsMinimalP50}x** | ${r.rawP50Us} | ${r.ortNodeP50Us} | ${r.coldStartMs} | ${r.helloColdStartMs} | **${r.coldVsHello}x** | ${r.scriptStartupMs} | ${r.firstPredictionMs} | ${mib(r.memoryGrowthBytes)} | ${kib(r.bundleRawBytes)} / **${kib(r.bundleGzipBytes)}** |`,
  );
  const reasons = [...new Map(rows.map((r) => [r.model, r.engineReason])).entries()].map(([model, reason]) => `- ${model}: ${reason}`);
  const tel = rows.map((r) => `| ${r.model} | ${r.engine} | ${r.batch} | ${r.handlerP50Us} | ${r.telemetryOnP50Us} | **${r.telemetryOverheadP50}x** |`);
  const bd = rows.map(
    (r) =>
      `| ${r.model} | ${r.engine} | ${r.batch} | ${r.breakdownUs["requestAndBody"]} | ${r.breakdownUs["responseJson"]} | ${r.breakdownUs["honoPlain"]} | ${r.breakdownUs["honoWithPredict"]} | ${r.breakdownUs["predictor"]} | ${r.rawP50Us} | ${r.handlerP50Us} |`,
  );
  return [
    "# edge-ml benchmarks",
    "",
    `Node ${machine.node}, ${machine.cpus} cores (${machine.cpu}). Everything in one run. Handler, minimal route and raw engine are timed inside workerd, in the same isolate, in alternating blocks: workerd's clock steps by 1 ms, so each block runs enough requests for ~50 ms; p50 is over block means and ratios are medians of per-round ratios. The minimal route is a hand-written Hono route (parse JSON, build the tensor, engine call, \`c.json\` of the output). Cold start is process spawn ▶ first answer of the real build (no bench code), median of 3 starts alternating with a hello-world Worker; memory is workerd's resident growth over that hello-world Worker after the first prediction. Bundle = every file \`wrangler deploy\` uploads. Targets: compiled cold start ≤ 1.5x hello-world; handler ≤ 1.25x the minimal route at batch 1 and ≤ 1.10x at batch 64; a tabular Worker < 300 KB gzip.`,
    "",
    "## Worker (workerd via miniflare)",
    "",
    "| model | engine | batch | handler p50 (µs) | minimal route + engine p50 (µs) | handler ÷ minimal route | raw engine p50 (µs) | onnxruntime-node 1 thread p50 (µs) | cold start (ms) | hello-world cold start (ms) | cold ÷ hello | script start-up over hello (ms) | first prediction (ms) | memory growth | bundle raw / gzip |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...main,
    "",
    "What `--engine auto` picks, and why:",
    "",
    ...reasons,
    "",
    "### Telemetry overhead in the handler (same run, alternating blocks; target ≤ 1.02x)",
    "",
    "| model | engine | batch | handler, telemetry off p50 (µs) | handler, telemetry on p50 (µs) | on ÷ off |",
    "|---|---|---|---|---|---|",
    ...tel,
    "",
    "### Where the handler's time goes (inside workerd, µs, medians of blocks)",
    "",
    "| model | engine | batch | new Request + read body | Response.json + read | bare Hono echo route | bare Hono route + predictor | predictor alone (validate ▶ preprocess ▶ run ▶ postprocess) | raw engine | full edge-ml handler |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...bd,
    "",
  ].join("\n");
}
