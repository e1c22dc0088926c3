/**
 * `worker`: the harness as a Worker in real workerd through miniflare, in one isolate. The bundle imports onnxruntime-web's
 * wasm as a CompiledWasm module (workerd cannot compile wasm from bytes); miniflare gets an explicit module list,
 * because its automatic module discovery trips on a dynamic import inside ORT (NOTES.md). One POST carries the models
 * and feeds; the response streams progress and the result.
 */
import { Miniflare } from "miniflare";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ORT_WASM_FILE, ortDistDir } from "../../../targets/ort-files.ts";
import { COMPATIBILITY_DATE } from "../../../targets/worker/wrangler-config.ts";
import { bundleEntry, entryPath } from "./bundle.ts";
import { eventSink, harnessInput, type RunnerInput, type RunnerOutput, timeoutFor, withTimeout } from "./runner.ts";
import { encodeRequest, eventReader } from "./wire.ts";

export async function runInWorkerd(input: RunnerInput): Promise<RunnerOutput> {
  const source = [
    `import wasm from "./${ORT_WASM_FILE}";`,
    `import { createLatencyWorker } from ${JSON.stringify(entryPath("worker-entry"))};`,
    "export default createLatencyWorker(wasm);",
  ].join("\n");
  const code = await bundleEntry(source, ["workerd", "worker", "browser"]);
  const runtime = workerdName();
  // The script is given as contents; its path only places it beside the wasm it imports.
  const dir = ortDistDir();
  const miniflare = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: "ESModule", path: join(dir, "edge-ml-latency-worker.mjs"), contents: code },
      { type: "CompiledWasm", path: join(dir, ORT_WASM_FILE) },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port: 0,
  });
  try {
    await miniflare.ready; // workerd has compiled the wasm by now
    const measureMs = input.measureMs();
    const sink = eventSink(runtime, input.onProgress);
    const measure = async () => {
      const body = encodeRequest(harnessInput(input, measureMs));
      const res = await miniflare.dispatchFetch("http://latency.local/", { method: "POST", body });
      const reader = eventReader(sink.onEvent);
      const decoder = new TextDecoder();
      let text = "";
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          const s = decoder.decode(chunk, { stream: true });
          reader.push(s);
          if (res.status !== 200) text += s;
        }
      }
      reader.end();
      return sink.settle(res.status === 200 ? "" : `HTTP ${res.status}: ${text}`);
    };
    return { result: await withTimeout(measure(), timeoutFor(input.budgetMs), runtime), runtime };
  } finally {
    await miniflare.dispose();
  }
}

/** "workerd <version> (miniflare <version>)": workerd is miniflare's dependency, so it is resolved from there. */
function workerdName(): string {
  const version = (from: string, name: string) => {
    try {
      return (createRequire(from)(`${name}/package.json`) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  let miniflareMain = import.meta.url;
  try {
    miniflareMain = createRequire(import.meta.url).resolve("miniflare");
  } catch {
    // keep resolving from here
  }
  return `workerd ${version(miniflareMain, "workerd")} (miniflare ${version(import.meta.url, "miniflare")})`;
}
