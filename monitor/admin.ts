/**
 * The admin guard of the read side (JSON API, `/metrics`, dashboard). Open when no admin token is configured
 * (`startMonitor` insists on one unless the server is bound to loopback). A browser signs in once with
 * `/?token=<admin token>`, which sets an HttpOnly cookie; scripts and Prometheus send `Authorization: Bearer`.
 *
 * @example
 * ```ts
 * app.use("/v1/deployments", adminGuard(adminToken));
 * ```
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { MonitorError } from "./http-error.ts";
import { secretEquals } from "./tokens.ts";

const ADMIN_COOKIE = "edgeml_admin";

export function adminGuard(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken === undefined) return next();
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const presented = bearer ?? getCookie(c, ADMIN_COOKIE);
    if (presented !== undefined && (await secretEquals(presented, adminToken))) return next();
    const query = c.req.query("token");
    if (c.req.method === "GET" && c.req.path === "/" && query !== undefined && (await secretEquals(query, adminToken))) {
      return signIn(c, query);
    }
    throw new MonitorError(401, "UNAUTHORIZED", "this monitor needs its admin token", {
      hint: "send Authorization: Bearer <admin token>, or open /?token=<admin token> in the browser",
    });
  };
}

function signIn(c: Context, token: string): Response {
  setCookie(c, ADMIN_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: 7 * 24 * 3600,
  });
  // Drop the token from the address bar (and from history) by redirecting to the same page without it.
  const url = new URL(c.req.url);
  url.searchParams.delete("token");
  return c.redirect(`${url.pathname}${url.search}`, 303);
}
