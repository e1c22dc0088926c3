/**
 * The edge app mounted inside a user's own Hono Worker (`app.route("/ml", edge.app)`), from source, in real workerd:
 * the host's routes stay its own, predictions and metadata answer below /ml, errors, hints and the OpenAPI document
 * name the prefix, and telemetry (configured from the host Worker's env on the first request) reaches a monitor.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { good, P, predict } from "../helpers/edge-cases.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const root = tempDir();
let server: WorkerServer;
let monitor: Awaited<ReturnType<typeof startMonitor>>;

beforeAll(async () => {
  monitor = await startMonitor({ port: 0, dbFile: join(root, "monitor.db") });
  const { token } = await createToken(monitor.store, "mounted");
  const build = await buildTarget({
    root: REPO_ROOT,
    ref: "titanic@1.0.0",
    target: "worker",
    outDir: join(root, "worker"),
    // host.ts wraps the ORT entry (createWorker) in the user's own Hono app.
    engine: "ort",
    runtimeEntry: join(FIXTURES, "worker-mount", "host.ts"),
  });
  server = await serveWorker(build.outDir, {
    env: { GREETING: "hi", EDGE_ML_MONITOR_URL: monitor.url, EDGE_ML_MONITOR_TOKEN: token, EDGE_ML_DEPLOYMENT: "mounted", EDGE_ML_FLUSH_INTERVAL_MS: "300" },
  });
});
afterAll(async () => {
  await server?.close();
  await monitor?.close();
});

const at = (path: string) => new URL(path.slice(1), server.url);
const post = (path: string, body: string) => fetch(at(path), { method: "POST", headers: { "content-type": "application/json" }, body });

describe("edge app mounted under /ml in a Hono Worker (workerd)", () => {
  it("leaves the host's routes alone", async () => {
    expect(await (await fetch(at("/"))).text()).toBe("host app: hi");
    expect((await fetch(at("/elsewhere"))).status).toBe(404);
  });

  it("predicts, describes and reports health below the prefix", async () => {
    const res = await post(`/ml${P}`, predict([good]));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: { label: string }[] }).predictions[0]!.label).toBe("yes");
    expect(((await (await fetch(at("/ml/v2/models/titanic"))).json()) as { name: string }).name).toBe("titanic");
    expect((await fetch(at("/ml/v2/health/ready"))).status).toBe(200);
  });

  it("answers its own errors below the prefix, naming it in hints and in the OpenAPI servers", async () => {
    const bad = await post(`/ml${P}`, predict([{ ...good, age: "12" }]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toEqual(["instances[0].age"]);
    const other = (await (await post("/ml/v1/models/other:predict", predict([good]))).json()) as { error: { code: string; hint: string } };
    expect(other.error).toEqual({ code: "MODEL_NOT_FOUND", message: expect.any(String), hint: `use POST /ml${P}` });
    const unknown = await fetch(at("/ml/nope"));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { hint: string } }).error.hint).toBe(`try POST /ml${P} or GET /ml/openapi.json`);
    expect((await fetch(at(`/ml${P}`))).status).toBe(405);
    const openapi = (await (await fetch(at("/ml/openapi.json"))).json()) as { servers: { url: string }[]; paths: Record<string, unknown> };
    expect(openapi.servers).toEqual([{ url: "/ml" }]);
    expect(Object.keys(openapi.paths)).toContain(P);
  });

  it("sends telemetry configured from the host Worker's env", async () => {
    const deadline = Date.now() + 15_000;
    let text = "";
    while (Date.now() < deadline) {
      text = await (await fetch(`${monitor.url}/metrics`)).text();
      if (/edgeml_requests_total\{deployment="mounted"[^}]*\} 2\n/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The two predict requests that reached the handler: one good, one bad (the 404s and 405 are the router's).
    expect(text).toMatch(/edgeml_requests_total\{deployment="mounted"[^}]*\} 2\n/);
    expect(text).toMatch(/edgeml_errors_total\{deployment="mounted",[^}]*class="bad_request"\} 1\n/);
  });
});
