/**
 * Champion and challenger in one Worker, in real workerd (issue 14): `edge-ml dev titanic --challenger titanic@1.1.0
 * --canary 0.1` answers 10% of request ids (within 2 points over 5,000) with 1.1.0, always the same ones; `--shadow`
 * answers every request with 1.0.0 (client latency measured and logged, not asserted); a canary sticky by a header
 * keeps each user on one version; a slow challenger in shadow mode finishes after the client has its whole answer;
 * a challenger whose model fails its integrity check fails no request.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { getTarget } from "../../targets/index.ts";
import type { LocalServer } from "../../targets/types.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { runCli } from "../helpers/cli.ts";
import { good, P, predict } from "../helpers/edge-cases.ts";
import { spawnCli } from "../helpers/process.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const base = tempDir();
const project = join(base, "demo");

beforeAll(async () => {
  expect((await runCli(["init", "demo"], base)).code).toBe(0);
  // The example's champion and its retrained challenger, with the champion alias pointing at 1.0.0.
  for (const v of ["1.0.0", "1.1.0"]) cpSync(join(REPO_ROOT, "models", "titanic", v), join(project, "models", "titanic", v), { recursive: true });
  expect((await runCli(["models", "alias", "titanic", "champion", "1.0.0"], project)).code).toBe(0);
});

/** POST one prediction; the version that answered and the client's wall time for the whole answer. */
async function ask(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; version: string; body: { model: { version: string } }; ms: number }> {
  const started = performance.now();
  const res = await fetch(new URL(P.slice(1), url), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: predict([good]) });
  const body = (await res.json()) as { model: { version: string } };
  return { status: res.status, version: res.headers.get("x-edge-ml-version") ?? "", body, ms: performance.now() - started };
}

/** Run `fn` for 0..n-1 with `concurrency` at a time, results in order. */
async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

/** `edge-ml dev` with these flags, until it serves; its URL. */
async function dev(args: string[]): Promise<{ url: string; stdout: () => string }> {
  const proc = spawnCli(["dev", ...args, "--port", "0", "--no-monitor"], project);
  onTestFinished(async () => {
    if (proc.child.exitCode === null) {
      proc.child.kill("SIGINT");
      await proc.exited;
    }
  });
  await proc.waitFor(/stop: Ctrl-C/, 150_000);
  const url = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(proc.stdout())?.[1];
  expect(url, proc.stdout()).toBeDefined();
  return { url: url!, stdout: proc.stdout };
}

describe("edge-ml dev with a challenger (workerd)", () => {
  it("--canary 0.1: about 10% of request ids get 1.1.0 (within 2 points over 5,000), always the same ones", async () => {
    const { url, stdout } = await dev(["titanic", "--challenger", "titanic@1.1.0", "--canary", "0.1"]);
    // A plain name with a challenger means the champion alias (1.0.0), not the highest version.
    expect(stdout()).toContain("titanic@1.0.0 (binary) serving in workerd");
    expect(stdout()).toContain("challenger titanic@1.1.0: canary 10% sticky by x-request-id (from the flags)");
    const ids = Array.from({ length: 5000 }, (_, i) => `user-${i}-${(i * 2654435761) % 1e9}`);
    const first = await pool(ids.length, 8, (i) => ask(url, { "x-request-id": ids[i]! }));
    expect(first.every((r) => r.status === 200 && r.body.model.version === r.version)).toBe(true);
    const share = first.filter((r) => r.version === "1.1.0").length / ids.length;
    console.log(`canary 0.1 over ${ids.length} request ids: ${(share * 100).toFixed(2)}% answered by 1.1.0`);
    expect(Math.abs(share - 0.1)).toBeLessThanOrEqual(0.02);
    expect(new Set(first.map((r) => r.version))).toEqual(new Set(["1.0.0", "1.1.0"]));
    // The same ids again (a sample of 1,000): each gets the same version as before.
    const again = await pool(1000, 8, (i) => ask(url, { "x-request-id": ids[i * 5]! }));
    expect(again.map((r) => r.version)).toEqual(first.filter((_, i) => i % 5 === 0).map((r) => r.version));
  });

  it("--shadow: every answer comes from 1.0.0; client latency with and without the shadow challenger is logged", async () => {
    const alone = await dev(["titanic@1.0.0"]);
    const shadow = await dev(["titanic@1.0.0", "--challenger", "titanic@1.1.0", "--shadow"]);
    expect(shadow.stdout()).toContain("challenger titanic@1.1.0: shadow");
    const n = 400;
    // Warm both (first request loads the model), then alternate so drift on the machine hits both alike.
    await ask(alone.url);
    await ask(shadow.url);
    const times: Record<"alone" | "shadow", number[]> = { alone: [], shadow: [] };
    for (let i = 0; i < n; i++) {
      const a = await ask(alone.url);
      const s = await ask(shadow.url, { "x-request-id": `shadow-${i}` });
      expect([s.status, s.version, s.body.model.version]).toEqual([200, "1.0.0", "1.0.0"]);
      times.alone.push(a.ms);
      times.shadow.push(s.ms);
    }
    console.log(
      `client latency over ${n} requests: champion alone median ${median(times.alone).toFixed(2)} ms (p90 ${p90(times.alone).toFixed(2)}), ` +
        `with the shadow challenger median ${median(times.shadow).toFixed(2)} ms (p90 ${p90(times.shadow).toFixed(2)})`,
    );
  });
});

describe("rollout builds in workerd", () => {
  const out = join(base, "builds");
  const servers: WorkerServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const serve = async (dir: string, env: Record<string, string> = {}) => {
    const s = await serveWorker(dir, { env });
    servers.push(s);
    return s.url;
  };

  it("a canary sticky by a header keeps each user on one version, whatever their request ids", async () => {
    const build = await buildTarget({
      root: project,
      ref: "titanic@1.0.0",
      target: "worker",
      outDir: join(out, "header"),
      rollout: { challenger: "titanic@1.1.0", settings: { mode: "canary", share: 0.3, sticky: "header:x-user-id" }, source: "flags" },
    });
    expect(build.challenger).toMatchObject({ name: "titanic", version: "1.1.0", rollout: { mode: "canary", share: 0.3 } });
    expect(build.files.map((f) => [f.path, f.type])).toContainEqual([build.challenger!.file, "Data"]);
    const url = await serve(build.outDir);
    const users = Array.from({ length: 600 }, (_, i) => `u${i}`);
    const byUser = await pool(users.length, 8, (i) => ask(url, { "x-user-id": users[i]!, "x-request-id": `a-${i}` }));
    const share = byUser.filter((r) => r.version === "1.1.0").length / users.length;
    console.log(`canary 0.3 sticky by x-user-id over ${users.length} users: ${(share * 100).toFixed(1)}% on 1.1.0`);
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    const again = await pool(users.length, 8, (i) => ask(url, { "x-user-id": users[i]!, "x-request-id": `b-${i}` }));
    expect(again.map((r) => r.version)).toEqual(byUser.map((r) => r.version));
    const meta = (await (await fetch(new URL("v2/models/titanic", url))).json()) as { versions: string[] };
    expect(meta.versions).toEqual(["1.0.0", "1.1.0"]);
  });

  it("build applies the config's rollout when it builds the champion (a plain name meaning it), never to another version", async () => {
    const configured = join(base, "configured");
    cpSync(project, configured, { recursive: true, filter: (src) => !src.includes(".edge-ml") });
    writeFileSync(
      join(configured, "edge-ml.config.ts"),
      `export default { models: { titanic: { rollout: { challenger: "titanic@1.1.0", mode: "canary", share: 1, sticky: "header:x-user-id" } } } };\n`,
    );
    const build = await buildTarget({ root: configured, ref: "titanic", target: "worker", outDir: join(out, "configured") });
    expect([build.model.version, build.challenger?.version, build.challenger?.rollout]).toEqual([
      "1.0.0",
      "1.1.0",
      { mode: "canary", share: 1, sticky: "header:x-user-id" },
    ]);
    expect(JSON.parse(readFileSync(join(build.outDir, "build.json"), "utf8")).challenger.file).toBe(build.challenger!.file);
    const r = await ask(await serve(build.outDir), { "x-user-id": "anyone" });
    expect([r.status, r.version]).toEqual([200, "1.1.0"]);
    const other = await buildTarget({ root: configured, ref: "titanic@1.1.0", target: "worker", outDir: join(out, "configured-1.1.0") });
    expect([other.model.version, other.challenger]).toEqual(["1.1.0", undefined]);
  });

  it("shadow: a slow challenger still leaves the champion's answer complete first, and its run is observed afterwards", async () => {
    // Where the slow challenger reports that its run finished.
    const seen: string[] = [];
    const observer: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        seen.push(`challenger ${body}`);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => observer.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => observer.close(() => resolve())));
    const port = (observer.address() as { port: number }).port;
    // The build's entry (the compiled engine's) with the challenger's engine made slow: each run waits 1.5 s, then
    // runs the real graph and reports to the observer. Everything else is the real rollout runtime.
    const entryDir = join(base, "slow-entry");
    mkdirSync(entryDir, { recursive: true });
    const entry = join(entryDir, "slow-challenger.ts");
    const repo = (path: string) => JSON.stringify(join(REPO_ROOT, path));
    writeFileSync(
      entry,
      `import { createEdgeRuntime } from ${repo("runtime/adapter.ts")};
import { createCompiledEngine } from ${repo("runtime/engines/compiled/engine.ts")};
import { createRolloutRuntime } from ${repo("runtime/rollout-app.ts")};
import { rolloutOf } from ${repo("runtime/rollout.ts")};
const report = (what) => fetch("http://127.0.0.1:${port}/", { method: "POST", body: what });
export function createCompiledWorker(opts) {
  const engine = createCompiledEngine();
  const slow = {
    name: "slow",
    async createSession(bytes, hints) {
      const s = await engine.createSession(bytes, hints);
      return { ...s, inputNames: s.inputNames, outputNames: s.outputNames, async run(feeds) {
        await new Promise((r) => setTimeout(r, 1500));
        const outputs = await s.run(feeds);
        await report("finished");
        return outputs;
      } };
    },
  };
  const schedule = (c, work) => c.executionCtx.waitUntil(work);
  const c = opts.challenger;
  const champion = createEdgeRuntime({ manifest: opts.manifest, engine, modelBytes: new Uint8Array(opts.graph), modelSha256: opts.graphSha256, target: "worker", schedule });
  const challenger = createEdgeRuntime({ manifest: c.manifest, engine: slow, modelBytes: new Uint8Array(c.graph), modelSha256: c.graphSha256, target: "worker", schedule });
  const edge = createRolloutRuntime(champion, challenger, rolloutOf(c.manifest.version, c.rollout), { schedule });
  return { fetch: (request, env, ctx) => edge.app.fetch(request, env, ctx) };
}
`,
    );
    const build = await buildTarget({
      root: project,
      ref: "titanic@1.0.0",
      target: "worker",
      engine: "compiled",
      outDir: join(out, "slow"),
      runtimeEntry: entry,
      rollout: { challenger: "titanic@1.1.0", settings: { mode: "shadow" }, source: "flags" },
    });
    const url = await serve(build.outDir);
    await ask(url); // loads both models
    const deadline = Date.now() + 10_000;
    while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    seen.length = 0;
    const r = await ask(url, { "x-request-id": "slow-1" });
    seen.push("client has the whole answer");
    expect([r.status, r.version, r.body.model.version]).toEqual([200, "1.0.0", "1.0.0"]);
    while (seen.length < 2 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
    console.log(`shadow with a challenger slowed by 1.5 s: the client had its answer in ${r.ms.toFixed(1)} ms`);
    expect(seen).toEqual(["client has the whole answer", "challenger finished"]);
  });

  it("a challenger whose model fails its integrity check fails no request, in canary or in shadow mode", async () => {
    for (const [mode, settings] of [
      ["canary", { mode: "canary", share: 1 }],
      ["shadow", { mode: "shadow" }],
    ] as const) {
      const build = await buildTarget({
        root: project,
        ref: "titanic@1.0.0",
        target: "worker",
        outDir: join(out, `tampered-${mode}`),
        rollout: { challenger: "titanic@1.1.0", settings, source: "flags" },
      });
      // The challenger's file changed after the build: its sha256 no longer matches, so it never loads.
      const file = join(build.outDir, build.challenger!.file);
      const bytes = readFileSync(file);
      bytes[bytes.length - 1]! ^= 0xff;
      writeFileSync(file, bytes);
      const url = await serve(build.outDir);
      const answers = await pool(50, 5, (i) => ask(url, { "x-request-id": `t-${i}` }));
      expect(answers.map((a) => [a.status, a.version])).toEqual(new Array(50).fill([200, "1.0.0"]));
      const ready = (await (await fetch(new URL("v2/health/ready", url))).json()) as { ready: boolean; challenger: { ready: boolean; error: string } };
      expect(ready.ready).toBe(true);
      expect(ready.challenger.ready).toBe(false);
      expect(ready.challenger.error).toMatch(/sha256/);
    }
  });
});

describe.each(["deno", "node"] as const)("a rollout build on %s", (target) => {
  it("canary by a header keeps each user on one version, shadow answers with the champion, a broken challenger fails nothing", async () => {
    const serve = await getTarget(target, "dev").serve!.load();
    const servers: LocalServer[] = [];
    onTestFinished(() => Promise.all(servers.map((s) => s.close())).then(() => undefined));
    const start = async (name: string, settings: Parameters<typeof buildTarget>[0]["rollout"], tamper = false) => {
      const build = await buildTarget({ root: project, ref: "titanic@1.0.0", target, outDir: join(base, `${target}-${name}`), rollout: settings });
      if (tamper) {
        const file = join(build.outDir, build.challenger!.file);
        const bytes = readFileSync(file);
        bytes[bytes.length - 1]! ^= 0xff;
        writeFileSync(file, bytes);
      }
      const server = await serve(build.outDir, { port: 0 });
      servers.push(server);
      return server.url;
    };
    const canary = await start("canary", {
      challenger: "titanic@1.1.0",
      settings: { mode: "canary", share: 0.5, sticky: "header:x-user-id" },
      source: "flags",
    });
    const users = Array.from({ length: 100 }, (_, i) => `u${i}`);
    const first = await pool(users.length, 4, (i) => ask(canary, { "x-user-id": users[i]! }));
    const again = await pool(users.length, 4, (i) => ask(canary, { "x-user-id": users[i]! }));
    expect(again.map((r) => r.version)).toEqual(first.map((r) => r.version));
    expect(new Set(first.map((r) => r.version))).toEqual(new Set(["1.0.0", "1.1.0"]));
    expect(first.every((r) => r.body.model.version === r.version)).toBe(true);
    const shadow = await start("shadow", { challenger: "titanic@1.1.0", settings: { mode: "shadow" }, source: "flags" });
    const answers = await pool(20, 4, () => ask(shadow));
    expect(answers.map((a) => a.version)).toEqual(new Array(20).fill("1.0.0"));
    const broken = await start("broken", { challenger: "titanic@1.1.0", settings: { mode: "canary", share: 1 }, source: "flags" }, true);
    const survived = await pool(20, 4, () => ask(broken));
    expect(survived.map((a) => [a.status, a.version])).toEqual(new Array(20).fill([200, "1.0.0"]));
  });
});
