/**
 * Looked-up features in a page (issue 16), in headless Chromium: `loadModel({ features })` with a view's records
 * passed in, its snapshot fetched once (`snapshotUrl`, the latest.jsonl `features push` writes), or a feature service
 * (`url`: one POST { view, keys } per predict call, answered here through Playwright's request routing). Predictions by
 * id equal the ones with the same values sent inline, on the same page's model; a missing key is a 422, the service
 * answering 500 or refusing connections a 503 FEATURE_STORE_UNAVAILABLE, with hints in the page API's words; a page
 * that does not say where a view lives fails at load, naming the option. The model is examples/titanic's ONNX with
 * sex and passengerClass `from` a memory view.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { pushFeatures } from "../../cli/features/push.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { inPage, launchChromium, openPage } from "../helpers/chromium.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { passengerFixture } from "../helpers/passengers.ts";

const TITANIC = join(REPO_ROOT, "examples", "titanic", "out");
const { CSV, byId, passengers } = passengerFixture();
const root = tempDir();
let site: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;

const looked = passengers.map((p, i) => ({ passenger_id: i % 2 === 0 ? p.id : String(p.id), age: p.age }));
const inline = passengers.map((p) => ({ sex: p.sex, passengerClass: p.passengerClass, age: p.age }));

beforeAll(async () => {
  writeFileSync(
    join(root, "edge-ml.config.json"),
    JSON.stringify({ featureViews: { passenger: { key: "passenger_id", features: ["sex", "passengerClass"], timestamp: "updated_at", store: "memory" } } }),
  );
  const features = JSON.parse(readFileSync(join(TITANIC, "features.json"), "utf8")) as { name: string }[];
  const file = join(root, "features.json");
  writeFileSync(file, JSON.stringify(features.map((f) => (f.name === "age" ? f : { ...f, from: "passenger" }))));
  await addModel(root, {
    model: join(TITANIC, "model.onnx"),
    name: "by-id",
    version: "1.0.0",
    features: file,
    preprocess: join(TITANIC, "preprocess.json"),
    postprocess: join(TITANIC, "postprocess.json"),
    slices: [],
  });
  await pushFeatures(root, { view: "passenger", csv: CSV });
  const build = await buildTarget({ root, ref: "by-id@1.0.0", target: "browser", engine: "ort", outDir: join(root, "site") });
  expect(build.lookup?.views["passenger"]?.store).toBe("memory");
  mkdirSync(join(build.outDir, "features"), { recursive: true });
  copyFileSync(join(root, ".edge-ml", "features", "passenger", "latest.jsonl"), join(build.outDir, "features", "passenger.jsonl"));
  writeFileSync(join(build.outDir, "blank.html"), "<!doctype html><title>features</title>");
  site = await serveStatic(build.outDir);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** A page whose `/api/features` is a feature service answering from passengers.csv (or `status` when not 200). */
async function pageWithService(service: { status: number; calls: { view: string; keys: string[] }[] }): Promise<Page> {
  return openPage(browser, `${site.url}blank.html`, (page) => {
    void page.route("**/api/features", async (route) => {
      const body = route.request().postDataJSON() as { view: string; keys: string[] };
      service.calls.push(body);
      if (service.status !== 200) return route.fulfill({ status: service.status, body: "feature db down" });
      return route.fulfill({ json: { records: body.keys.map((k) => byId.get(k) ?? null) } });
    });
  });
}

/** In the page: load with `features` (page code), predict by id and inline; errors as { code, status, message, hint }. */
const PREDICT_BOTH = `
  const model = await mod.loadModel({ device: "wasm", features: FEATURES });
  const asError = (e) => ({ code: e.code, status: e.status, message: e.message, hint: e.toJSON?.().error.hint });
  const byId = await model.predict(args.looked).then((r) => r.predictions, asError);
  const inline = await model.predict(args.inline).then((r) => r.predictions, asError);
  const missing = await model.predict([{ passenger_id: "99999", age: 30 }]).then((r) => r.predictions, asError);
  return { byId, inline, missing };`;

describe("looked-up features in a page (Chromium)", () => {
  it.each([
    ["records passed in", `({ passenger: { records: args.records } })`],
    ["a snapshot fetched once", `({ passenger: { snapshotUrl: "/features/passenger.jsonl" } })`],
    ["a feature service", `({ passenger: { url: "/api/features" } })`],
  ])("%s: predictions by id equal the inline ones; a missing key is a 422 in page words", async (_, features) => {
    const service = { status: 200, calls: [] as { view: string; keys: string[] }[] };
    const page = await pageWithService(service);
    const records = [...byId].map(([key, r]) => ({ key, ...r }));
    const r = await inPage<{ byId: unknown[]; inline: unknown[]; missing: { code: string; status: number; message: string; hint: string } }>(
      page,
      PREDICT_BOTH.replace("FEATURES", features),
      { looked, inline, records },
    );
    expect(r.inline).toHaveLength(passengers.length);
    expect(r.byId).toEqual(r.inline);
    expect(r.missing).toMatchObject({ code: "FEATURE_NOT_FOUND", status: 422 });
    expect(r.missing.message).toContain('feature view "passenger" has no value for key "99999"');
    expect(r.missing.hint).toContain("features.<view>");
    // The service: one request per predict call that needs a lookup (the inline one needs none).
    if (features.includes("url")) expect(service.calls.map((c) => c.keys.length)).toEqual([passengers.length, 1]);
    else expect(service.calls).toEqual([]);
  });

  it("the service answering 500 or refusing connections is a 503 FEATURE_STORE_UNAVAILABLE, never a prediction", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const page = await pageWithService({ status: 500, calls: [] });
    const r = await inPage<{ code: string; status: number; message: string; hint: string }[]>(
      page,
      `const asError = (e) => ({ code: e.code, status: e.status, message: e.message, hint: e.toJSON?.().error.hint });
       const out = [];
       for (const url of ["/api/features", args.refused]) {
         const model = await mod.loadModel({ device: "wasm", features: { passenger: { url } } });
         out.push(await model.predict([{ passenger_id: 1, age: 30 }]).then((r) => ({ predictions: r.predictions }), asError));
       }
       return out;`,
      { refused },
    );
    for (const e of r) {
      expect(e).toMatchObject({ code: "FEATURE_STORE_UNAVAILABLE", status: 503 });
      expect(e.hint).toContain("loadModel's `features` option");
    }
    expect(r[0]!.message).toContain("answered HTTP 500: feature db down");
    expect(r[1]!.message).toContain("could not be reached");
  });

  it("a page that does not say where a view lives, or says it wrongly, fails at load naming the option", async () => {
    const page = await openPage(browser, `${site.url}blank.html`);
    const r = await inPage<string[]>(
      page,
      `const out = [];
       for (const options of [{}, { features: { passenger: { nope: 1 } } }, { features: { passenger: { records: [{ key: "1", values: { sex: ["x"] } }] } } }, { features: { passenger: { snapshotUrl: "/features/none.jsonl" } } }]) {
         out.push(await mod.loadModel({ device: "wasm", ...options }).then(() => "loaded", (e) => e.message));
       }
       return out;`,
    );
    expect(r).toEqual([
      'loadModel: the model looks up sex, passengerClass from view "passenger" (by passenger_id); pass features: { passenger: ... }, each { records: [{ key, values }] }, { snapshotUrl }, { url } or an object with read(view, keys)',
      "loadModel: features.passenger must be { records: [{ key, values }] }, { snapshotUrl }, { url } or an object with read(view, keys)",
      "loadModel: features.passenger.records[0].values.sex: expected text, a number, a boolean or null, got an array",
      `loadModel: cannot fetch features.passenger.snapshotUrl (${site.url}features/none.jsonl): HTTP 404`,
    ]);
  });
});
