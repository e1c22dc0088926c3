/** `node`: onnxruntime-web's wasm build in this Node process, one thread, as `validate --runtime wasm` runs it. */
import { type OrtWebLike, runHarness } from "./harness.ts";
import { harnessError, harnessInput, type RunnerInput, type RunnerOutput } from "./runner.ts";
import { errorEvent } from "./wire.ts";

export async function runInNode(input: RunnerInput): Promise<RunnerOutput> {
  // In Node, the package's main export is its Node build, which finds its .wasm beside itself.
  const ort = (await import("onnxruntime-web")) as unknown as OrtWebLike & { env: { wasm: { numThreads?: number; proxy?: boolean } } };
  ort.env.wasm.numThreads = 1; // as on the edge; also no worker threads
  ort.env.wasm.proxy = false;
  const runtime = `Node ${process.version}`;
  try {
    const result = await runHarness(ort, harnessInput(input, input.measureMs()), input.onProgress ? { onProgress: input.onProgress } : {});
    return { result, runtime };
  } catch (e) {
    const event = errorEvent(e);
    throw event.type === "error" ? harnessError(runtime, event) : e;
  }
}
