/**
 * The README flow as a new user runs it, with real processes: `edge-ml init`, `models add` of an ONNX file, then
 * `edge-ml dev` serving predictions equal to onnxruntime-node's, until Ctrl-C stops it and its workerd.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { spawnCli } from "../helpers/process.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

const workerdPids = () => {
  try {
    return execFileSync("pgrep", ["-f", "workerd serve"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

describe("edge-ml dev", () => {
  it("serves a freshly added model in workerd and stops cleanly on SIGINT", async () => {
    const base = tempDir();
    expect((await runCli(["init", "demo"], base)).code).toBe(0);
    const project = join(base, "demo");
    const model = join(FIXTURES, "models", "mlp-tensor.onnx");
    expect((await runCli(["models", "add", model, "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);

    const before = new Set(workerdPids());
    const dev = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--no-monitor"], project);
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const url = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())?.[1];
    expect(dev.stdout()).toContain(`curl -s ${url}v1/models/mlp:predict`);
    const ours = workerdPids().filter((p) => !before.has(p));
    expect(ours.length).toBeGreaterThan(0);

    const instances = [
      [0.5, -1, 2, 0],
      [1, 1, 1, 1],
    ];
    const res = await fetch(`${url}v1/models/mlp:predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances }),
    });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: number[][] };
    const ref = await referenceRun(model, { x: { dtype: "float32", data: Float32Array.from(instances.flat()), dims: [2, 4] } });
    expect(maxAbsDiff(predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);

    dev.child.kill("SIGINT");
    const code = await dev.exited;
    expect([0, 130, "SIGINT"]).toContain(code);
    // workerd went with it: nothing of ours is left listening.
    await new Promise((r) => setTimeout(r, 300));
    expect(workerdPids().filter((p) => ours.includes(p))).toEqual([]);
    await expect(fetch(`${url}v2/health/live`)).rejects.toThrow();
  });

  it("--target node serves the Node build (server.mjs on @hono/node-server) and stops it on SIGINT", async () => {
    const base = tempDir();
    expect((await runCli(["init", "demo"], base)).code).toBe(0);
    const project = join(base, "demo");
    const model = join(FIXTURES, "models", "mlp-tensor.onnx");
    expect((await runCli(["models", "add", model, "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);
    const dev = spawnCli(["dev", "mlp@0.1.0", "--target", "node", "--port", "0", "--no-monitor"], project);
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const url = /serving in node at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())?.[1];
    expect(url, dev.stdout()).toBeDefined();
    const res = await fetch(`${url}v1/models/mlp:predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [[1, 1, 1, 1]] }),
    });
    expect(res.status).toBe(200);
    const ref = await referenceRun(model, { x: { dtype: "float32", data: Float32Array.from([1, 1, 1, 1]), dims: [1, 4] } });
    expect(maxAbsDiff(((await res.json()) as { predictions: number[][] }).predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    dev.child.kill("SIGINT");
    expect([0, 130, "SIGINT"]).toContain(await dev.exited);
    await expect(fetch(`${url}v2/health/live`)).rejects.toThrow();
  });
});
