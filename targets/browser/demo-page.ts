/**
 * The `index.html` a browser build writes: try the model in the page, whatever it takes. A feature model gets its
 * JSON instances (and a file picker per image/audio feature, whose bytes replace that feature in every instance); a
 * one-input tensor model gets JSON instances; a multi-input tensor model gets JSON of named tensors, zeros of each
 * input's shape, run through `model.run`.
 *
 * @example
 * ```ts
 * const html = demoPage(manifest, "edge-ml-model.js");
 * ```
 */
import { exampleInstance } from "../../core/example-request.ts";
import type { Manifest, TensorSpec } from "../../core/schema/manifest.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A symbolic dim that is not a batch gets this size in the demo's zeros: windowed models (audio frames, convolutions
 * with reflect padding) refuse tiny inputs, and 512 is one frame for common speech models. Edit the dims to taste.
 */
const OPEN_DIM = 512;

/** Named tensors of zeros for every input, one line each: `{"input": {"dims": [1, 512], "data": [0, ...]}, "sr": 0}`. */
function exampleNamedTensors(inputs: readonly TensorSpec[]): string {
  const lines = inputs.map((spec) => {
    const dims = spec.shape.map((d, k) => (typeof d === "number" ? d : k === 0 || /batch/i.test(d ?? "") ? 1 : OPEN_DIM));
    const zero = spec.dtype === "bool" ? false : spec.dtype === "string" ? "" : 0;
    const n = dims.reduce((a, b) => a * b, 1);
    const value = dims.length === 0 ? zero : { dims, data: new Array(n).fill(zero) };
    return `  ${JSON.stringify(spec.name)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(",\n")}\n}`;
}

export function demoPage(manifest: Manifest, main: string): string {
  const named = manifest.features === undefined && manifest.io.inputs.length > 1;
  const media = (manifest.features ?? []).filter((f) => f.type === "image" || f.type === "audio");
  const title = `${escapeHtml(manifest.name)}@${escapeHtml(manifest.version)}`;
  const input = named
    ? `<label for="instances">Named tensors (JSON: one entry per input, a value or {dims, data})</label>
<textarea id="instances">${escapeHtml(exampleNamedTensors(manifest.io.inputs))}</textarea>`
    : `<label for="instances">Instances (JSON array)</label>
<textarea id="instances">${escapeHtml(JSON.stringify([exampleInstance(manifest)], null, 2))}</textarea>`;
  const files = media
    .map((f) => `<p><label>${escapeHtml(f.name)} (${f.type} file): <input type="file" data-feature="${escapeHtml(f.name)}" accept="${f.type}/*"></label></p>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>${title} in the browser (edge-ml)</title>
<style>body{font:15px system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}textarea{width:100%;height:8rem;font:13px monospace}pre{background:#f4f4f5;padding:1rem;overflow:auto}</style>
<h1>${title}</h1>
<p>${escapeHtml(manifest.task)} model running in this page. Device: <b id="device">loading…</b></p>
${input}
${files}
<p><button id="predict" disabled>${named ? "Run" : "Predict"}</button></p>
<pre id="out"></pre>
<script type="module">
import { loadModel } from "./${main}";
const out = document.getElementById("out");
const button = document.getElementById("predict");
// Typed arrays print as lists (the first 64 values), bigints as numbers.
const show = (_, v) => (ArrayBuffer.isView(v) ? Array.from(v.slice(0, 64), (x) => (typeof x === "bigint" ? Number(x) : x)).concat(v.length > 64 ? ["… " + v.length + " values"] : []) : typeof v === "bigint" ? Number(v) : v);
try {
  const model = await loadModel({ device: new URLSearchParams(location.search).get("device") ?? "auto" });
  document.getElementById("device").textContent = model.device;
  button.disabled = false;
  button.onclick = async () => {
    try {
      const started = performance.now();
      const body = JSON.parse(document.getElementById("instances").value);
      for (const picker of document.querySelectorAll("input[data-feature]")) {
        const file = picker.files[0];
        if (!file) continue;
        const bytes = new Uint8Array(await file.arrayBuffer());
        for (const instance of body) instance[picker.dataset.feature] = bytes;
      }
      const result = ${named ? "await model.run(body)" : "(await model.predict(body)).predictions"};
      out.textContent = JSON.stringify(result, show, 2) + "\\n\\n" + (performance.now() - started).toFixed(1) + " ms";
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
`;
}
