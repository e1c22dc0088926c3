/**
 * The CLI's one local HTTP server for headless Chromium runs (the browser build's parity run, the browser latency
 * harness): 127.0.0.1, a port chosen at run time, answering from a route function (an in-memory page or module, or a
 * file on disk), else from a folder, else 404. Tests have their own (test/helpers/static-server.ts).
 *
 * @example
 * ```ts
 * const server = await serveLocal({ dir: outDir, route: (path) => (path === "/" ? { type: "text/html", body: PAGE } : undefined) });
 * await page.goto(server.url);
 * await server.close();
 * ```
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

/** What a route answers: bytes or text, or a file streamed from disk. */
export type Route = { type: string; body: string | Uint8Array } | { type: string; file: string };

export interface LocalServerOptions {
  /** Answers first; undefined falls through to `dir`. Paths are URL paths ("/", "/chunk.js"). */
  route?: (path: string) => Route | undefined;
  /** A folder whose files are served under "/" (nothing outside it). */
  dir?: string;
  /** Headers on every 200, e.g. cross-origin isolation for a page that needs precise timers. */
  headers?: Record<string, string>;
}

export interface LocalServer {
  /** "http://127.0.0.1:<port>/" */
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/** A file of `dir` for a URL path, or undefined when it is not a file inside `dir`. */
function fileIn(dir: string, path: string): string | undefined {
  const file = join(dir, normalize(decodeURIComponent(path)));
  if (!file.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

export async function serveLocal(opts: LocalServerOptions): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const file = opts.dir === undefined ? undefined : fileIn(opts.dir, path);
    const found = opts.route?.(path) ?? (file ? { type: TYPES[extname(file)] ?? "application/octet-stream", file } : undefined);
    if (!found) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": found.type, "cache-control": "no-store", ...opts.headers });
    if ("file" in found) createReadStream(found.file).pipe(res);
    else res.end(found.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
