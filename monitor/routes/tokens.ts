/**
 * Ingest tokens over HTTP, behind the admin guard, on every monitor (Node and Worker), for a monitor whose database
 * the CLI cannot open (D1 behind a Worker, a monitor on another machine; `edge-ml monitor token … --url` uses them):
 * `POST /v1/tokens {deployment}` ▶ 201 `{id, deployment, prefix, createdAt, token}` (the token shown once, only its hash is
 * stored), `GET /v1/tokens` ▶ `{tokens}`, `DELETE /v1/tokens/:target` (a token id or a deployment) ▶ `{revoked}`.
 *
 * @example
 * ```sh
 * curl -X POST https://monitor.example.workers.dev/v1/tokens -H "authorization: Bearer $ADMIN" \
 *   -H 'content-type: application/json' -d '{"deployment":"titanic-prod"}'
 * ```
 */
import { Hono } from "hono";
import * as z from "zod";
import { TelemetryName } from "../../core/schema/telemetry.ts";
import { MonitorError } from "../http-error.ts";
import { jsonBody } from "../json-body.ts";
import type { MonitorStore } from "../store/contract.ts";
import { createToken } from "../tokens.ts";

const NewToken = z.strictObject({ deployment: TelemetryName });

/** The routes; the app mounting them guards `/v1/tokens` and `/v1/tokens/*` with the admin guard like every read route. */
export function tokenRoutes(opts: { store: MonitorStore; now?: () => number }): Hono {
  const now = opts.now ?? Date.now;
  const app = new Hono();
  app.post("/v1/tokens", jsonBody(NewToken, { what: "token request", hint: 'send {"deployment": "titanic-prod"}' }), async (c) => {
    const t = await createToken(opts.store, c.get("body").deployment, now());
    return c.json({ id: t.id, deployment: t.deployment, prefix: t.prefix, createdAt: t.createdAt, token: t.token }, 201);
  });
  app.get("/v1/tokens", async (c) => c.json({ tokens: await opts.store.listTokens() }));
  app.delete("/v1/tokens/:target", async (c) => {
    const target = c.req.param("target");
    const revoked = await opts.store.revokeTokens(target, now());
    if (revoked === 0) throw new MonitorError(404, "NOT_FOUND", `no active token matches "${target}"`, { hint: "list them: GET /v1/tokens" });
    return c.json({ target, revoked });
  });
  return app;
}
