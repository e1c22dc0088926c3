/**
 * wrangler (the pinned 4.86.0) accepts what `edge-ml build` writes: `wrangler deploy --dry-run --outdir` from the build
 * folder and from a project root whose wrangler.toml points at it; and what wrangler would upload still serves correct
 * predictions in workerd (a smoke test of the deployable artifact, not of our build folder).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { serveWorker } from "../../targets/worker/serve.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const wrangler = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const run = (cwd: string, args: string[]) =>
  execFileSync(process.execPath, [wrangler, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });

describe("wrangler deploy --dry-run", () => {
  const tmp = tempDir();

  it.each([
    { engine: "ort", files: ["worker.js", "model.onnx", "ort-wasm-simd-threaded.wasm"], logs: ["compiled-wasm", "model.onnx"] },
    { engine: "compiled", files: ["worker.js", "model.graph"], logs: ["model.graph"] },
  ] as const)("$engine engine: accepts the build folder, uploads its modules, and the uploaded bundle serves", async ({ engine, files, logs }) => {
    const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", engine, outDir: join(tmp, `build-${engine}`) });
    const out = join(tmp, `upload-${engine}`);
    const log = run(build.outDir, ["deploy", "--dry-run", "--outdir", out]);
    for (const l of logs) expect(log).toContain(l);
    if (engine === "compiled") expect(log).not.toContain("compiled-wasm");
    expect(log).toContain('env.EDGE_ML_MODEL ("titanic@1.0.0")');
    expect(log).toContain("--dry-run: exiting now.");
    for (const f of files) expect(existsSync(join(out, f)), f).toBe(true);
    // Serve exactly the files wrangler would upload.
    copyFileSync(join(build.outDir, "build.json"), join(out, "build.json"));
    const server = await serveWorker(out);
    try {
      const res = await fetch(new URL("v1/models/titanic:predict", server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          instances: [
            { sex: "female", age: 29, passengerClass: "1st" },
            { sex: "male", age: null, passengerClass: "3rd" },
          ],
        }),
      });
      expect(res.status).toBe(200);
      const { predictions } = (await res.json()) as { predictions: { label: string; score: number }[] };
      expect(predictions.map((p) => p.label)).toEqual(["yes", "no"]);
    } finally {
      await server.close();
    }
  });

  it("works through this repository's example wrangler.toml at the project root", async () => {
    // (A project `edge-ml init` writes has a wrangler.jsonc instead: test/integration/init-wrangler.test.ts.)
    const project = join(tmp, "proj");
    mkdirSync(project);
    copyFileSync(join(REPO_ROOT, "wrangler.toml"), join(project, "wrangler.toml"));
    await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", engine: "ort", outDir: join(project, "build", "worker") });
    const log = run(project, ["deploy", "--dry-run", "--outdir", join(tmp, "upload2")]);
    expect(log).toContain("compiled-wasm");
    expect(log).toContain('env.EDGE_ML_MAX_BATCH ("256")');
    expect(log).toContain("--dry-run: exiting now.");
  });
});
