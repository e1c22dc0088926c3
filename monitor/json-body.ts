/**
 * The one way a monitor route reads a JSON body (hono's validator, with the monitor's errors): content type (415),
 * size limit (413), JSON syntax (400 INVALID_JSON), then the route's schema (400, every issue with its path). The
 * validated value is `c.get("body")`, typed by the schema.
 *
 * A route may bring its own parse instead of a zod schema (ingest's fast path, core/schema/telemetry-fast.ts, keeps
 * zod as the authority for the verdict), as long as it reports issues the same way.
 *
 * @example
 * ```ts
 * app.post("/v1/alerts/rules", jsonBody(RuleInput, { code: "INVALID_RULE", what: "alert rule" }), (c) => c.json(c.get("body")));
 * ```
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as z from "zod";
import { issuesFromZod } from "../core/errors.ts";
import { MonitorError } from "./http-error.ts";

export type ParseResult<T> = { success: true; data: T } | { success: false; issues: readonly { path: readonly PropertyKey[]; message: string }[] };

export interface JsonBodyOptions {
  /** The 400's code when the schema refuses the body (default INVALID_BODY). */
  code?: "INVALID_BODY" | "INVALID_BATCH" | "INVALID_FEEDBACK" | "INVALID_RULE";
  /** What the body is, for messages ("alert rule" ▶ "invalid alert rule (2 issues)"). */
  what?: string;
  /** Largest body in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Accepted media types (default application/json; ingest adds text/plain for sendBeacon). */
  types?: readonly string[];
  /** Shown with 400s: what a good body looks like. */
  hint?: string;
  /** Shown with 413s: how to send less. */
  tooLargeHint?: string;
}

const DEFAULT_JSON_BODY_BYTES = 1024 * 1024;

export type JsonBodyEnv<T> = { Variables: { body: T } };

/** Validate with a zod schema. */
export function jsonBody<S extends z.ZodType>(schema: S, opts?: JsonBodyOptions): MiddlewareHandler<JsonBodyEnv<z.output<S>>> {
  return parsedJsonBody((body) => {
    const r = schema.safeParse(body);
    return r.success ? { success: true, data: r.data } : { success: false, issues: r.error.issues };
  }, opts);
}

/** Validate with a parse function of the route's own (same verdict as a schema, e.g. a fast path). */
export function parsedJsonBody<T>(parse: (body: unknown) => ParseResult<T>, opts: JsonBodyOptions = {}): MiddlewareHandler<JsonBodyEnv<T>> {
  const maxBytes = opts.maxBytes ?? DEFAULT_JSON_BODY_BYTES;
  const types = opts.types ?? ["application/json"];
  const what = opts.what ?? "body";
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new MonitorError(413, "PAYLOAD_TOO_LARGE", `${what} is over the limit of ${maxBytes} bytes`, opts.tooLargeHint ? { hint: opts.tooLargeHint } : {});
    },
  });
  return async (c, next) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!types.includes(type)) {
      throw new MonitorError(415, "UNSUPPORTED_MEDIA_TYPE", `expected ${types.join(" or ")}, got ${type || "no content type"}`, {
        hint: "send Content-Type: application/json",
      });
    }
    let text = "";
    await limit(c, async () => {
      text = await c.req.text();
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new MonitorError(400, "INVALID_JSON", `body is not valid JSON: ${(error as Error).message}`, {
        hint: opts.hint ?? "check the JSON syntax (quotes, commas, brackets)",
      });
    }
    const parsed = parse(body);
    if (!parsed.success) {
      const n = parsed.issues.length;
      throw new MonitorError(400, opts.code ?? "INVALID_BODY", `invalid ${what} (${n} issue${n === 1 ? "" : "s"})`, {
        issues: issuesFromZod(parsed.issues),
        ...(opts.hint ? { hint: opts.hint } : {}),
      });
    }
    c.set("body", parsed.data);
    await next();
  };
}
