/**
 * What lets the edge app live under a prefix in a larger Hono app (`app.route("/ml", edgeApp)`): the prefix a
 * request came in under, and the app's own answer for paths below it that match no route (404, or 405 with `Allow`
 * when the path exists for another method). A catch-all route rather than `notFound()`, because a parent app's
 * notFound wins over a mounted app's and a route does not.
 *
 * @example
 * ```ts
 * app.all("/*", fallback(manifest.name)); // registered last
 * ```
 */
import type { Context } from "hono";
import { HttpError } from "./http-error.ts";

/** Routes and their methods, for 405 answers (paths relative to the mount prefix). */
const ROUTES: readonly [RegExp, string][] = [
  [/^\/v1\/models\/[^/]+$/, "POST"],
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?\/infer$/, "POST"],
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?$/, "GET"],
  [/^\/v2\/health\/(?:live|ready)$/, "GET"],
  [/^\/openapi\.json$/, "GET"],
  [/^\/?$/, "GET"],
];

/** The prefix this app was mounted under: the matched route path minus the pattern the app registered. */
export function prefixOf(c: Context, pattern: string): string {
  const route = c.req.routePath;
  // Mounted, "/" merges into the prefix itself ("/ml").
  if (pattern === "/") return route.replace(/\/$/, "");
  return route.endsWith(pattern) ? route.slice(0, route.length - pattern.length) : "";
}

/** The handler of `app.all("/*")`: 405 for a known path with another method, else 404 with a hint under the prefix. */
export function fallback(model: string) {
  return (c: Context) => {
    const prefix = prefixOf(c, "/*");
    const path = new URL(c.req.url).pathname;
    const allowed = ROUTES.find(([re]) => re.test(path.slice(prefix.length)))?.[1];
    if (allowed) {
      c.header("allow", allowed === "GET" ? "GET, HEAD" : allowed);
      const e = new HttpError(405, "METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${path}`, { hint: `use ${allowed} ${path}` });
      return c.json(e.toJSON(), e.status);
    }
    const e = new HttpError(404, "NOT_FOUND", `no route ${c.req.method} ${path}`, {
      hint: `try POST ${prefix}/v1/models/${model}:predict or GET ${prefix}/openapi.json`,
    });
    return c.json(e.toJSON(), e.status);
  };
}
