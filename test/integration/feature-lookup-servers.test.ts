/**
 * Looked-up features served by the built Deno and Node servers (issue 16), each in its real runtime and started the
 * way `edge-ml dev` starts it (the project's local store as `localFeatures`): a deno-kv view (Deno: loaded into Deno
 * KV at start, read with getMany; Node: read from the snapshot), a memory view (the snapshot, in memory) and a view
 * whose store the server cannot open (Workers KV) read from a feature service (EDGE_ML_FEATURES_URL, a local HTTP
 * server here), or in dev from the local KV and D1 `features push` wrote (targets/local-feature-service.ts). A prediction by id equals the one with the same values sent inline; a key the view lacks is a 422;
 * the service answering 500 or refusing connections is a 503 FEATURE_STORE_UNAVAILABLE with no prediction; and
 * without a service the server refuses to start, naming the view and what to set. The model is examples/titanic's
 * ONNX with sex and passengerClass `from` a view, as examples/feature-lookup does.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { LOCAL_STORE_ID, localPersist } from "../../cli/features/local-store.ts";
import { pushFeatures } from "../../cli/features/push.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { denoBinary, serveDeno } from "../../targets/deno/serve.ts";
import { whenListening } from "../../targets/listening-process.ts";
import { serveNode } from "../../targets/node/serve.ts";
import type { LocalServer } from "../../targets/types.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { passengerFixture } from "../helpers/passengers.ts";

const TITANIC = join(REPO_ROOT, "examples", "titanic", "out");
const { CSV, byId, passengers } = passengerFixture();
const root = tempDir();
const servers: LocalServer[] = [];
const local = { ...localPersist(root), id: LOCAL_STORE_ID, dir: join(root, ".edge-ml", "features") };

/** A feature service on the fetch reader's contract, answering from passengers.csv, or 500 when `failing`. */
let service: Server;
let serviceUrl: string;
let failing = false;
let serviceCalls = 0;

beforeAll(async () => {
  writeFileSync(
    join(root, "edge-ml.config.json"),
    JSON.stringify({
      featureViews: {
        passenger_kv: { key: "passenger_id", features: ["sex", "passengerClass"], timestamp: "updated_at", store: "deno-kv" },
        passenger_mem: { key: "passenger_id", features: ["sex", "passengerClass"], store: "memory" },
        passenger_cf: { key: "passenger_id", features: ["sex", "passengerClass"], store: "kv" },
        passenger_d1: { key: "passenger_id", features: ["sex", "passengerClass"], store: "d1" },
      },
    }),
  );
  const features = JSON.parse(readFileSync(join(TITANIC, "features.json"), "utf8")) as { name: string }[];
  for (const [name, view] of [
    ["by-denokv", "passenger_kv"],
    ["by-memory", "passenger_mem"],
    ["by-service", "passenger_cf"],
    ["by-d1", "passenger_d1"],
  ] as const) {
    const file = join(root, `features-${view}.json`);
    writeFileSync(file, JSON.stringify(features.map((f) => (f.name === "age" ? f : { ...f, from: view }))));
    await addModel(root, {
      model: join(TITANIC, "model.onnx"),
      name,
      version: "1.0.0",
      features: file,
      preprocess: join(TITANIC, "preprocess.json"),
      postprocess: join(TITANIC, "postprocess.json"),
      slices: [],
    });
  }
  await pushFeatures(root, { view: "passenger_kv", csv: CSV });
  await pushFeatures(root, { view: "passenger_mem", csv: CSV });
  await pushFeatures(root, { view: "passenger_cf", csv: CSV });
  await pushFeatures(root, { view: "passenger_d1", csv: CSV });
  service = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      serviceCalls++;
      if (failing) return void res.writeHead(500).end("feature db down");
      const { keys } = JSON.parse(text) as { keys: string[] };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ records: keys.map((k) => byId.get(k) ?? null) }));
    });
  });
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}/lookup`;
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  service?.closeAllConnections();
  service?.close();
});

const TARGETS = { deno: serveDeno, node: serveNode } as const;

/** `dev`: the build served with the project's local store (as `edge-ml dev` does); without it, as `node server.mjs` runs. */
async function serve(target: keyof typeof TARGETS, model: string, env: Record<string, string> = {}, dev = true) {
  const build = await buildTarget({ root, ref: `${model}@1.0.0`, target, outDir: join(root, "dist", `${target}-${model}`) });
  expect(Object.keys(build.lookup?.views ?? {})).toHaveLength(1);
  // The CLI's "next" line asks for what the views need (it is run as printed below): Deno KV only with --unstable-kv.
  const denoKv = target === "deno" && Object.values(build.lookup!.views).some((v) => v.store === "deno-kv");
  expect(build.next.includes("--unstable-kv")).toBe(denoKv);
  const server = await TARGETS[target](build.outDir, { port: 0, env, ...(dev ? { localFeatures: local } : {}) });
  servers.push(server);
  return server;
}

async function predict(server: LocalServer, model: string, instances: unknown[]) {
  const res = await fetch(`${server.url}v1/models/${model}:predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances }),
  });
  return { status: res.status, body: (await res.json()) as { predictions?: unknown[]; error?: { code: string; message: string; hint?: string } } };
}

/** By id (half as numbers, half as text) and inline: the same predictions, 41 of them, in one request each. */
async function expectSameAsInline(server: LocalServer, model: string) {
  const looked = await predict(
    server,
    model,
    passengers.map((p, i) => ({ passenger_id: i % 2 === 0 ? p.id : String(p.id), age: p.age })),
  );
  const inline = await predict(
    server,
    model,
    passengers.map((p) => ({ sex: p.sex, passengerClass: p.passengerClass, age: p.age })),
  );
  expect(looked.status).toBe(200);
  expect(inline.status).toBe(200);
  expect(looked.body.predictions).toHaveLength(passengers.length);
  expect(looked.body.predictions).toEqual(inline.body.predictions);
  expect(new Set(passengers.map((p) => `${p.sex}/${p.passengerClass}`)).size).toBe(6);
}

describe.each(["deno", "node"] as const)("the %s server", (target) => {
  it("a deno-kv view: predictions by id equal the inline ones; a missing id is a 422", async () => {
    const server = await serve(target, "by-denokv");
    await expectSameAsInline(server, "by-denokv");
    const missing = await predict(server, "by-denokv", [{ passenger_id: 99_999, age: 30 }]);
    expect(missing.status).toBe(422);
    expect(missing.body.error?.code).toBe("FEATURE_NOT_FOUND");
    expect(missing.body.error?.message).toContain('feature view "passenger_kv" has no value for key "99999"');
    // Deno loaded the snapshot into a Deno KV file beside the other local stores (Node reads the snapshot itself).
    if (target === "deno") expect(existsSync(join(local.dir, ".store", "deno-kv", "features.sqlite3"))).toBe(true);
  });

  it("a memory view: the same predictions from the snapshot held in memory", async () => {
    await expectSameAsInline(await serve(target, "by-memory"), "by-memory");
  });

  it("a Workers KV view through EDGE_ML_FEATURES_URL: one request per predict call; the service down is a 503, never a prediction", async () => {
    failing = false;
    const server = await serve(target, "by-service", { EDGE_ML_FEATURES_URL: serviceUrl });
    const before = serviceCalls;
    await expectSameAsInline(server, "by-service");
    expect(serviceCalls - before).toBe(1);
    failing = true;
    const down = await predict(server, "by-service", [{ passenger_id: 1, age: 30 }]);
    failing = false;
    expect(down.status).toBe(503);
    expect(down.body.predictions).toBeUndefined();
    expect(down.body.error?.code).toBe("FEATURE_STORE_UNAVAILABLE");
    expect(down.body.error?.message).toContain(`answered HTTP 500: feature db down`);
  });

  it("in dev, Workers KV and D1 views are served from the local store features push wrote (a local feature service)", async () => {
    const before = serviceCalls;
    await expectSameAsInline(await serve(target, "by-service"), "by-service");
    await expectSameAsInline(await serve(target, "by-d1"), "by-d1");
    expect(serviceCalls).toBe(before);
  });

  it("refuses to start when it cannot serve a view, naming it and what to set", async () => {
    const err = await serve(target, "by-service", {}, false).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`cannot serve the model's looked-up features on ${target === "deno" ? "Deno" : "Node"}`);
    expect((err as Error).message).toContain('view "passenger_cf" is stored in Workers KV, which a');
    expect((err as Error).message).toContain("set EDGE_ML_FEATURES_URL");
  });
});

describe.each(["deno", "node"] as const)("the %s build's next line", (target) => {
  it.each([
    ["by-denokv", ["EDGE_ML_FEATURES_DIR=$F"]],
    ["by-memory", ["EDGE_ML_FEATURES_DIR=$F"]],
    ["by-service", ["EDGE_ML_FEATURES_URL=<feature service>"]],
  ] as const)("runs %s as printed, from a shell, with the project and the feature service filled in", async (model, asks) => {
    const build = await buildTarget({ root, ref: `${model}@1.0.0`, target, outDir: join(root, "dist", `next-${target}-${model}`) });
    for (const a of asks) expect(build.next).toContain(a);
    const line = build.next
      .replace(/\s+\(or: npx edge-ml dev .*\)$/, "")
      .replaceAll("<project>", root)
      .replaceAll("<feature service>", serviceUrl);
    expect(line).not.toMatch(/[<>]/);
    // Its own process group, so close() stops the runtime the shell started, not only the shell.
    const child = spawn("sh", ["-c", line], {
      detached: true,
      env: { ...process.env, PATH: `${dirname(denoBinary())}:${process.env["PATH"]}`, PORT: "0", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {} // the group has exited
    };
    const server = await whenListening(child, { runtime: target, hint: line }).catch((e: Error) => {
      stop("SIGKILL");
      throw e;
    });
    servers.push({
      url: server.url,
      close: async () => {
        stop("SIGTERM");
        await server.close();
      },
    });
    failing = false;
    await expectSameAsInline(server, model);
  });
});

it("a service that refuses connections is a 503 (Node)", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const server = await serve("node", "by-service", { EDGE_ML_FEATURES_URL: url });
  const down = await predict(server, "by-service", [{ passenger_id: 1, age: 30 }]);
  expect(down.status).toBe(503);
  expect(down.body.error?.code).toBe("FEATURE_STORE_UNAVAILABLE");
  expect(down.body.error?.message).toContain("could not be reached");
});
