/**
 * Browsers: an ES module `edge-ml-model.js` exporting `loadModel()`, the two onnxruntime-web builds as lazily loaded
 * chunks with their wasm, and an `index.html` that tries the model in the page (serve the folder over HTTP).
 */
import { exampleInstance } from "../../core/example-request.ts";
import { ORT_WEBGPU_WASM_FILE, ORT_WASM_FILE } from "../ort-files.ts";
import { defineTarget } from "../types.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** No `serve` or `deploy`: the output is static files for any web server or bundler. */
export const browserTarget = defineTarget({
  name: "browser",
  description: "browsers (in-page inference on WebGPU or WASM): static files to serve with any web server or import from an app",
  build: {
    main: "edge-ml-model.js",
    runtimeModule: { ort: "browser/runtime.ts", compiled: "browser/compiled.ts" },
    platform: "neutral",
    conditions: ["browser"],
    ortFiles: [ORT_WASM_FILE, ORT_WEBGPU_WASM_FILE],
    splitting: true,
    external: [],
    entrySource: (manifest, settings, runtimeEntry, engine) =>
      engine.kind === "compiled"
        ? [
            `import { loadCompiledModel } from ${JSON.stringify(runtimeEntry)};`,
            `export const manifest = ${JSON.stringify(manifest)};`,
            `/** Load ${manifest.name}@${manifest.version} in this page (compiled engine: plain JavaScript, no wasm). options: { telemetry? } */`,
            `export function loadModel(options = {}) {`,
            `  return loadCompiledModel({ manifest, baseUrl: new URL("./", import.meta.url).href, graphSha256: ${JSON.stringify(engine.sha256)}, maxBatch: ${settings.maxBatch ?? 1024}, ...options });`,
            `}`,
          ].join("\n")
        : [
            `import { loadModel as load, hasWebGpu } from ${JSON.stringify(runtimeEntry)};`,
            `export const manifest = ${JSON.stringify(manifest)};`,
            `export { hasWebGpu };`,
            `/** Load ${manifest.name}@${manifest.version} in this page. options: { device: "auto" | "wasm" | "webgpu", telemetry? } */`,
            `export function loadModel(options = {}) {`,
            `  return load({ manifest, baseUrl: new URL("./", import.meta.url).href, maxBatch: ${settings.maxBatch ?? 1024}, ...options });`,
            `}`,
          ].join("\n"),
    extraFiles: ({ manifest, main }) => ({
      "index.html": `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>${escapeHtml(manifest.name)}@${escapeHtml(manifest.version)} in the browser (edge-ml)</title>
<style>body{font:15px system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}textarea{width:100%;height:8rem;font:13px monospace}pre{background:#f4f4f5;padding:1rem;overflow:auto}</style>
<h1>${escapeHtml(manifest.name)}@${escapeHtml(manifest.version)}</h1>
<p>${escapeHtml(manifest.task)} model running in this page. Device: <b id="device">loading…</b></p>
<label for="instances">Instances (JSON array)</label>
<textarea id="instances">${escapeHtml(JSON.stringify([exampleInstance(manifest)], null, 2))}</textarea>
<p><button id="predict" disabled>Predict</button></p>
<pre id="out"></pre>
<script type="module">
import { loadModel } from "./${main}";
const out = document.getElementById("out");
const button = document.getElementById("predict");
try {
  const model = await loadModel({ device: new URLSearchParams(location.search).get("device") ?? "auto" });
  document.getElementById("device").textContent = model.device;
  button.disabled = false;
  button.onclick = async () => {
    try {
      const started = performance.now();
      const result = await model.predict(JSON.parse(document.getElementById("instances").value));
      out.textContent = JSON.stringify(result.predictions, null, 2) + "\\n\\n" + (performance.now() - started).toFixed(1) + " ms";
    } catch (err) {
      out.textContent = JSON.stringify(err.toJSON ? err.toJSON() : { error: String(err) }, null, 2);
    }
  };
} catch (err) {
  document.getElementById("device").textContent = "failed";
  out.textContent = String(err);
}
</script>
</html>
`,
    }),
    next: (dir) => `serve ${dir} over HTTP (e.g. npx http-server ${dir}) and open index.html, or import ./edge-ml-model.js`,
  },
});
