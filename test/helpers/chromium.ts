/**
 * Headless Debian Chromium through playwright-core, with the flags this machine needs (no network, no sandbox), and the
 * few steps every Chromium test (and bench/browser.ts) repeats: open a page, wait for the demo page's model, run code
 * in the page against the built `edge-ml-model.js`.
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await openDemo(browser, `${site.url}index.html?device=wasm`);
 * const device = await inPage<string>(page, `return (await mod.loadModel({ device: "wasm" })).device;`);
 * ```
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Launch Chromium (a fresh profile each time); `webgpu` adds --enable-unsafe-webgpu (SwiftShader's adapter on CPU-only machines). */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (bash .ci/run does it)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...(opts.webgpu ? ["--enable-unsafe-webgpu"] : [])] });
}

const errorsOf = new WeakMap<Page, string[]>();

/**
 * A new page (its own browser context, so nothing is cached from an earlier page) at `url`. Uncaught page errors are
 * collected from the start (`pageErrors`); `setup` runs before navigation (to listen to requests, say).
 */
export async function openPage(browser: Browser, url: string, setup?: (page: Page) => void): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  errorsOf.set(page, errors);
  page.on("pageerror", (e) => errors.push(e.message));
  setup?.(page);
  await page.goto(url);
  return page;
}

/** `openPage` on a build's demo page (`index.html`), waiting until the demo has loaded its model (60 s at most). */
export async function openDemo(browser: Browser, url: string, setup?: (page: Page) => void): Promise<Page> {
  const page = await openPage(browser, url, setup);
  await page.waitForFunction(() => document.getElementById("device")?.textContent !== "loading…", undefined, { timeout: 60_000 });
  return page;
}

/** The uncaught errors a page opened with `openPage` has thrown so far. */
export const pageErrors = (page: Page): string[] => errorsOf.get(page) ?? [];

/**
 * Run `body` in the page as the body of an async function with `mod` (the built module) and `args` (JSON) in scope.
 * Page code is a string on purpose: vitest (and tsx) rewrite `import()` and function names in code they compile, and
 * page code must import the built module as the browser does.
 */
export const inPage = <T>(page: Page, body: string, args: Record<string, unknown> = {}, module = "/edge-ml-model.js"): Promise<T> =>
  page.evaluate(`(async (args) => { const mod = await import(${JSON.stringify(module)}); ${body} })(${JSON.stringify(args)})`) as Promise<T>;
