/**
 * The latency harness in a Chromium page, bundled by run-browser.ts and served with the page: fetches the request
 * (wire.ts) from the page's server and runs it on onnxruntime-web's WASM execution provider (one thread, as on
 * pages without cross-origin isolation). Progress goes to a function the host exposes on the page.
 */
import * as ort from "onnxruntime-web/wasm";
import { type OrtWebLike, runHarness } from "./harness.ts";
import { decodeRequest, errorEvent, type HarnessEvent } from "./wire.ts";

type Progress = (done: number, total: number) => void;

export async function run(requestUrl: string, wasmUrl: string): Promise<HarnessEvent> {
  try {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = { wasm: wasmUrl };
    const res = await fetch(requestUrl);
    if (!res.ok) throw new Error(`GET ${requestUrl}: ${res.status}`);
    const input = decodeRequest(new Uint8Array(await res.arrayBuffer()));
    const progress = (globalThis as unknown as { __edgeMlLatencyProgress?: Progress }).__edgeMlLatencyProgress;
    const result = await runHarness(ort as unknown as OrtWebLike, input, { ...(progress ? { onProgress: (d, t) => void progress(d, t) } : {}) });
    return { type: "result", result };
  } catch (e) {
    return errorEvent(e);
  }
}
