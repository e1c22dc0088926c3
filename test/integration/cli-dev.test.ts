/**
 * The README flow as a new user runs it, with real processes: `edge-ml init`, `models add` of an ONNX file, then
 * `edge-ml dev` serving predictions equal to onnxruntime-node's, until Ctrl-C stops it and its workerd; two devs of
 * one model at once, each building in a folder of its own.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { spawnCli } from "../helpers/process.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

/**
 * The workerd processes started under `root` (its descendants): other tests and CI legs run their own workerd at the
 * same time, so "new since the test began" would count theirs.
 */
const workerdUnder = (root: number): string[] => {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }));
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (tree.has(r.ppid) && !tree.has(r.pid)) {
        tree.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => r.pid !== root && tree.has(r.pid) && /workerd serve/.test(r.args)).map((r) => String(r.pid));
};
/** Running (a zombie waiting for its reaper has exited: it holds no port and runs nothing). */
const alive = (pid: string) => {
  try {
    return !execFileSync("ps", ["-o", "stat=", "-p", pid], { encoding: "utf8" }).trim().startsWith("Z");
  } catch {
    return false; // ps exits 1 when there is no such process
  }
};

const model = join(FIXTURES, "models", "mlp-tensor.onnx");

/** `edge-ml init demo`, then `models add` of the MLP as mlp@0.1.0: the project's folder. */
async function mlpProject(): Promise<string> {
  const base = tempDir();
  expect((await runCli(["init", "demo"], base)).code).toBe(0);
  const project = join(base, "demo");
  expect((await runCli(["models", "add", model, "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);
  return project;
}

describe("edge-ml dev", () => {
  it("serves a freshly added model in workerd and stops cleanly on SIGINT", async () => {
    const project = await mlpProject();

    const dev = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--no-monitor"], project);
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const url = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())?.[1];
    expect(dev.stdout()).toContain(`curl -s ${url}v1/models/mlp:predict`);
    const ours = workerdUnder(dev.child.pid!);
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
    // workerd went with it (within a few seconds): nothing of ours is left running.
    for (let i = 0; i < 50 && ours.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(ours.filter(alive)).toEqual([]);
    await expect(fetch(`${url}v2/health/live`)).rejects.toThrow();
  });

  it("--target node serves the Node build (server.mjs on @hono/node-server) and stops it on SIGINT", async () => {
    const project = await mlpProject();
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

  it("runs two devs of one model at once, each from its own folder, removed when it stops (and a dead dev's too)", async () => {
    const project = await mlpProject();
    // The folder of a dev that was killed: its process (one that has exited) is gone.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    const stale = join(project, ".edge-ml", "dev", `mlp-0.1.0-worker.pid${gone}`);
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "build.json"), "{}");

    // Started together, so their builds overlap (one shared folder made the second's build empty the first's).
    const devs = [0, 1].map(() => spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--no-monitor"], project));
    onTestFinished(() => {
      for (const dev of devs) if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    const urls: string[] = [];
    for (const dev of devs) {
      await dev.waitFor(/stop: Ctrl-C/, 120_000);
      urls.push(/serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())![1]!);
    }
    const folders = readdirSync(join(project, ".edge-ml", "dev")).sort();
    expect(folders).toEqual(devs.map((d) => `mlp-0.1.0-worker.pid${d.child.pid}`).sort());
    const ref = await referenceRun(model, { x: { dtype: "float32", data: Float32Array.from([1, 1, 1, 1]), dims: [1, 4] } });
    for (const url of urls) {
      const res = await fetch(`${url}v1/models/mlp:predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [[1, 1, 1, 1]] }),
      });
      expect(res.status).toBe(200);
      expect(maxAbsDiff(((await res.json()) as { predictions: number[][] }).predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    }
    for (const dev of devs) {
      dev.child.kill("SIGINT");
      await dev.exited;
      expect(dev.stdout()).toContain("stopped");
      expect(existsSync(join(project, ".edge-ml", "dev", `mlp-0.1.0-worker.pid${dev.child.pid}`))).toBe(false);
    }
  });
  it("serves a TF.js image model on the WASM backend; its example request, too long to print, is in a file the try line names", async () => {
    const base = tempDir();
    expect((await runCli(["init", "demo"], base)).code).toBe(0);
    const project = join(base, "demo");
    const add = await runCli(["models", "add", join(FIXTURES, "tfjs", "blazeface", "model.json"), "--name", "face", "--version", "1.0.0"], project);
    expect(add.code, add.stderr).toBe(0);
    const dev = spawnCli(["dev", "face@1.0.0", "--port", "0", "--no-monitor"], project);
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const out = dev.stdout() + dev.stderr();
    expect(out).toMatch(/engine: tfjs \(.*WASM backend: agrees with CPU/);
    const url = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    const tryLine = out.split("\n").find((l) => l.includes("try:"))!;
    // A 1x256x256x3 tensor of zeros is ~0.5 MB of JSON: the line names a file in the dev's folder instead.
    expect(tryLine.length).toBeLessThan(300);
    const file = /-d @(\S+)/.exec(tryLine)?.[1];
    expect(file, tryLine).toMatch(/^\.edge-ml\/dev\/face-1\.0\.0-worker\.pid\d+\/example-request\.json$/);
    expect(out).toMatch(/an example request of [\d.]+ KiB, all zeros/);
    // What the printed curl sends: that file's bytes, as JSON, to :predict.
    const res = await fetch(`${url}v1/models/face:predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: readFileSync(join(project, file!)),
    });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Record<string, unknown>[] };
    expect(predictions).toHaveLength(1);
    expect(Object.keys(predictions[0]!).sort()).toEqual(["Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"]);
    dev.child.kill("SIGINT");
    expect([0, 130, "SIGINT"]).toContain(await dev.exited);
    expect(existsSync(join(project, file!))).toBe(false);
  });
});
