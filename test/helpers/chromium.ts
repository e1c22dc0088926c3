/** Headless Debian Chromium through playwright-core, with the flags this machine needs (no network, no sandbox). */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Launch Chromium (a fresh profile each time); `webgpu` adds --enable-unsafe-webgpu (SwiftShader's adapter on CPU-only machines). */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (bash .ci/run does it)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...(opts.webgpu ? ["--enable-unsafe-webgpu"] : [])] });
}
