/**
 * @edge-ml/runtime as a browser-only user gets it: installed alone from its tarball (no native binaries, no workerd,
 * wrangler or esbuild; its size measured), then a Vite app that imports `@edge-ml/runtime/browser` and a registered
 * model builds with `vite build` (model.onnx and onnxruntime-web's wasm emitted as assets) and predicts in headless
 * Chromium from `vite preview`, equal to onnxruntime-node within 1e-5.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../helpers/chromium.ts";
import { maxAbsDiff } from "../helpers/reference.ts";
import { createApp, installedPackages, mib, npmInstall, REPO_PINS, run, startServer, treeBytes } from "./app.ts";
import { copyModel, INSTANCES, MODEL_DIR, referenceScores } from "./titanic.ts";

/** What a browser, Worker or Deno user must not download (the toolkit's CLI side). */
const HEAVY = ["workerd", "miniflare", "wrangler", "onnxruntime-node", "better-sqlite3", "esbuild", "deno", "tsx"];

// The app's code, as in the README ("Use it in your app"): Vite emits `?url` imports and onnxruntime-web's own
// `new URL("….wasm", import.meta.url)` as hashed assets; `&no-inline` keeps a model under 4 KB a file.
const MAIN_TS = `import { loadModel } from "@edge-ml/runtime/browser";
import manifest from "./models/titanic/1.0.0/manifest.json";
import modelUrl from "./models/titanic/1.0.0/model.onnx?url&no-inline";

const model = loadModel({ manifest, modelUrl });
Object.assign(globalThis, { model });
`;
const INDEX_HTML = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>titanic</title>
<script type="module" src="/src/main.ts"></script>
</html>
`;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("@edge-ml/runtime in a Vite app", () => {
  const app = createApp("vite-app");
  let browser: Browser | undefined;
  let preview: Awaited<ReturnType<typeof startServer>> | undefined;
  let expected: number[];

  beforeAll(async () => {
    expected = await referenceScores();
  });
  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
  });

  it("installs alone, without native binaries, workerd, wrangler or esbuild", async () => {
    await npmInstall(app, [inject("packages").runtime]);
    const names = installedPackages(join(app, "node_modules"));
    expect(names).toContain("@edge-ml/runtime");
    expect(names).toContain("onnxruntime-web");
    for (const heavy of HEAVY) expect(names, `${heavy} is installed`).not.toContain(heavy);
    expect([...names].filter((n) => n.startsWith("@esbuild/") || n.startsWith("@cloudflare/"))).toEqual([]);
    const bytes = treeBytes(join(app, "node_modules"));
    console.log(`install size, runtime only (@edge-ml/runtime): ${mib(bytes)} in node_modules (${names.size} packages)`);
  });

  it("vite build emits model.onnx and onnxruntime-web's wasm as assets", async () => {
    await npmInstall(app, [`vite@${REPO_PINS.devDependencies["vite"]}`], { dev: true });
    copyModel(join(app, "src", "models", "titanic", "1.0.0"));
    writeFileSync(join(app, "index.html"), INDEX_HTML);
    writeFileSync(join(app, "src", "main.ts"), MAIN_TS);
    await run(app, process.execPath, ["node_modules/vite/bin/vite.js", "build"]);
    const assets = readdirSync(join(app, "dist", "assets"));
    const model = assets.find((f) => f.endsWith(".onnx"));
    expect(model, assets.join(", ")).toBeDefined();
    expect(sha256(readFileSync(join(app, "dist", "assets", model!)))).toBe(sha256(readFileSync(join(MODEL_DIR, "model.onnx"))));
    // The plain build (WASM execution provider) and the asyncify build that onnxruntime-web/webgpu loads.
    expect(assets.filter((f) => /^ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(f))).toHaveLength(1);
    expect(assets.filter((f) => /^ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(f))).toHaveLength(1);
  });

  it("predicts in headless Chromium from vite preview, equal to onnxruntime-node within 1e-5", async () => {
    preview = await startServer(
      app,
      process.execPath,
      ["node_modules/vite/bin/vite.js", "preview", "--host", "127.0.0.1", "--port", "0", "--strictPort"],
      /http:\/\/127\.0\.0\.1:(\d+)/,
    );
    const { port } = preview;
    browser = await launchChromium();
    const page = await browser.newPage();
    const served: string[] = [];
    page.on("response", (r) => served.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = await page.evaluate(async (instances) => {
      const model = await (
        globalThis as unknown as { model: Promise<{ device: string; predict(i: unknown[]): Promise<{ predictions: { score: number; label: string }[] }> }> }
      ).model;
      const { predictions } = await model.predict(instances);
      return { device: model.device, scores: predictions.map((p) => p.score), labels: predictions.map((p) => p.label) };
    }, INSTANCES);
    // Plain headless Chromium has no WebGPU adapter: "auto" picks WASM.
    expect(result.device).toBe("wasm");
    expect(maxAbsDiff(result.scores, expected)).toBeLessThanOrEqual(1e-5);
    expect(result.labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
    expect(served).toContainEqual(expect.stringMatching(/^200 \/assets\/model-[\w-]+\.onnx$/));
    expect(served).toContainEqual(expect.stringMatching(/^200 \/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/));
  });
});
