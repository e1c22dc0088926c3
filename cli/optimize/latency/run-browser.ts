/**
 * `browser`: the harness in a page of headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), on
 * onnxruntime-web's WASM execution provider. A tiny HTTP server on 127.0.0.1 (port chosen at run time) serves the page,
 * the bundled harness, ORT's wasm and the request; the page is cross-origin isolated only so that performance.now()
 * has 5 µs steps instead of 100 µs (ORT still runs one thread, as set by the harness's page entry).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeMlError } from "../../../core/errors.ts";
import { ORT_WASM_FILE, ortDistDir } from "../../../targets/ort-files.ts";
import { serveLocal } from "../../build/static-server.ts";
import { bundleEntry, entryPath } from "./bundle.ts";
import { eventSink, harnessInput, type RunnerInput, type RunnerOutput, timeoutFor, withTimeout } from "./runner.ts";
import { encodeRequest, type HarnessEvent } from "./wire.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const PAGE = `<!doctype html><meta charset="utf-8"><title>edge-ml latency</title>
<script type="module">import { run } from "/latency.js"; window.__edgeMlLatency = run;</script>`;

export async function runInChromium(input: RunnerInput): Promise<RunnerOutput> {
  if (!existsSync(CHROMIUM)) {
    throw new EdgeMlError("ERR_USAGE", `measuring latency for the browser target needs Chromium at ${CHROMIUM}, which is missing`, {
      hint: "install it: apt-get install -y chromium",
    });
  }
  const playwright = await importPlaywright();
  const code = await bundleEntry(`export { run } from ${JSON.stringify(entryPath("browser-entry"))};\n`, ["browser"]);
  let measureMs = 0;
  const route = (path: string) => {
    if (path === "/") return { type: "text/html; charset=utf-8", body: PAGE };
    if (path === "/latency.js") return { type: "text/javascript; charset=utf-8", body: code };
    if (path === `/${ORT_WASM_FILE}`) return { type: "application/wasm", file: join(ortDistDir(), ORT_WASM_FILE) };
    if (path === "/request") {
      // Built when the page asks: by then Chromium is up, so the time left is known.
      measureMs = input.measureMs();
      return {
        type: "application/octet-stream",
        body: encodeRequest(harnessInput(input, measureMs)),
      };
    }
    return undefined;
  };
  // Cross-origin isolation: Chromium's performance.now() then steps by 5 µs instead of 100 µs.
  const server = await serveLocal({ route, headers: { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } });
  const userDataDir = mkdtempSync(join(tmpdir(), "edge-ml-latency-chromium-"));
  let context: Awaited<ReturnType<typeof playwright.chromium.launchPersistentContext>> | undefined;
  try {
    try {
      context = await playwright.chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    } catch (cause) {
      throw new EdgeMlError("ERR_ENGINE", `cannot start Chromium (${CHROMIUM}): ${(cause as Error).message}`, {
        cause,
        hint: "check that `chromium --version` works; install it with apt-get install -y chromium",
      });
    }
    const runtime = `Chromium ${context.browser()?.version() ?? ""}`.trim();
    const sink = eventSink(runtime, input.onProgress);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.exposeFunction("__edgeMlLatencyProgress", (done: number, total: number) => sink.onEvent({ type: "progress", done, total }));
    await page.goto(server.url);
    await page.waitForFunction("typeof window.__edgeMlLatency === 'function'", undefined, { timeout: 60_000 }).catch(() => {
      throw new EdgeMlError("ERR_ENGINE", `the latency page did not load in ${runtime}: ${errors.join("; ") || "no error reported"}`);
    });
    // A string, not a function: code the host compiles (tsx, vitest) could be rewritten before it reaches the page.
    const call = `window.__edgeMlLatency(${JSON.stringify(`${server.url}request`)}, ${JSON.stringify(`${server.url}${ORT_WASM_FILE}`)})`;
    const evaluated = page.evaluate(call) as Promise<HarnessEvent>;
    const event = await withTimeout(evaluated, timeoutFor(input.budgetMs), runtime);
    sink.onEvent(event);
    return { result: sink.settle(errors.join("\n")), runtime };
  } finally {
    await context?.close().catch(() => {});
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function importPlaywright(): Promise<typeof import("playwright-core")> {
  try {
    return await import("playwright-core");
  } catch (err) {
    const { code } = err as { code?: string };
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new EdgeMlError("ERR_USAGE", "measuring latency for the browser target needs playwright-core, which is not installed", {
        hint: "install it: npm install -D playwright-core (Chromium itself comes from apt-get install -y chromium)",
      });
    }
    throw err;
  }
}
