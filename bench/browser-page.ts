/**
 * The page side of bench/browser.ts: code run in headless Chromium as strings (tsx rewrites function names and
 * `import()` in code it compiles; the page must import the built module itself), and how a fetched file is counted.
 */

/** One fresh page: `loadModel()` call → resolved, and every resource the page had fetched by then. */
export const LOAD = `
  const t = performance.now();
  let model;
  try {
    model = await mod.loadModel(args.options);
  } catch (err) {
    const gl = document.createElement("canvas").getContext("webgl2");
    const webgl = gl ? String(gl.getParameter(gl.RENDERER)) : "no WebGL2 context in this page";
    return { error: String(err?.message ?? err), webgl };
  }
  const readyMs = performance.now() - t;
  const resources = performance.getEntriesByType("resource").map((e) => ({ path: new URL(e.name).pathname, bytes: e.encodedBodySize }));
  globalThis.__benchModel = model;
  return { readyMs, device: model.device, reason: model.deviceReason, resources };`;

/**
 * Predict timings on the page LOAD left its model in: 3 warm-ups, then `args.samples` samples, each the mean of a
 * block of calls long enough (≥ 5 ms) for the page's coarse clock (0.1 ms without cross-origin isolation). With
 * `args.raw`, a raw onnxruntime-web session on the same runtime (the build's own ORT chunk), model bytes and input,
 * timed in alternation with edge-ml's call. `args.call` is code that defines `call` from `model` and `args.input`.
 */
export const PREDICT = (call: string) => `
  const model = globalThis.__benchModel;
  ${call}
  let raw;
  let rawError;
  if (args.raw) {
    try {
      const ort = await import(args.raw.chunk);
      const bytes = new Uint8Array(await (await fetch("/model.onnx")).arrayBuffer());
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [args.raw.device], graphOptimizationLevel: "all" });
      const feeds = { [args.raw.name]: new ort.Tensor("float32", Float32Array.from(args.raw.data), args.raw.dims) };
      raw = () => session.run(feeds);
    } catch (err) {
      rawError = String(err?.message ?? err);
    }
  }
  const time = async (fn, k) => {
    const t = performance.now();
    for (let i = 0; i < k; i++) await fn();
    return (performance.now() - t) / k;
  };
  const block = async (fn) => Math.max(1, Math.min(2000, Math.ceil(5 / Math.max(await time(fn, 3), 0.001))));
  for (let i = 0; i < 3; i++) {
    await call();
    if (raw) await raw();
  }
  const k = await block(call);
  const kRaw = raw ? await block(raw) : 0;
  const edge = [];
  const base = [];
  for (let i = 0; i < args.samples; i++) {
    edge.push(await time(call, k));
    if (raw) base.push(await time(raw, kRaw));
  }
  return { k, kRaw, edge, raw: base, rawError };`;

export type ByteKind = "edgeMlJs" | "engineJs" | "wasm" | "model" | "other";

/**
 * What a fetched file is: the entry module is edge-ml's (esbuild bundles the engine's always-needed core into it:
 * tfjs-core for TF.js builds), the lazy chunks are the engine's (onnxruntime-web or a TF.js backend), then the wasm
 * and the model files (model.onnx, model.graph, tfjs/).
 */
export function byteKind(path: string): ByteKind {
  if (path === "/edge-ml-model.js") return "edgeMlJs";
  if (path.startsWith("/chunks/")) return "engineJs";
  if (path.endsWith(".wasm")) return "wasm";
  if (path === "/model.onnx" || path === "/model.graph" || path.startsWith("/tfjs/")) return "model";
  return "other";
}
