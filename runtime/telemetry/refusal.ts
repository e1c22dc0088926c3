/**
 * When the monitor refuses the edge's credentials (401: unknown or revoked token; 403: the token is another
 * deployment's), every later batch would be refused too, until someone changes the token or the deployment name.
 * Retrying in silence loses all telemetry without a word, so the client pauses sending, drops (and counts) what it
 * cannot deliver, and says so once per isolate: module state lives as long as the isolate, and `console.error`
 * reaches `wrangler tail`, `edge-ml dev`'s terminal (miniflare forwards the Worker's console) and Deno's stderr.
 *
 * @example
 * ```ts
 * const r = parseRefusal(403, await res.text());
 * if (announceOnce(`${url} ${deployment} ${r.status}`)) console.error(refusalLine(url, deployment, r, 600_000));
 * ```
 */

/** The last refusal a client got, with what it has dropped since (see `stats().refused`). */
export interface Refusal {
  status: number;
  /** The monitor's error code (e.g. "FORBIDDEN"), when it answered in the monitor's error shape. */
  code: string | undefined;
  message: string;
  /** The monitor's hint: how to fix it. */
  hint: string | undefined;
  at: number;
  /** Batches dropped because of refusals (refused, or sealed while paused). */
  droppedBatches: number;
  /** Requests counted in those batches: the traffic the monitor will never see. */
  droppedRequests: number;
}

/** Read the monitor's `{error: {code, message, hint}}`; any other body (a proxy's page) becomes the message. */
export function parseRefusal(status: number, body: string): Pick<Refusal, "status" | "code" | "message" | "hint"> {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; hint?: unknown } };
    const e = parsed.error;
    if (e !== undefined && typeof e.message === "string") {
      return {
        status,
        code: typeof e.code === "string" ? e.code : undefined,
        message: e.message,
        hint: typeof e.hint === "string" ? e.hint : undefined,
      };
    }
  } catch {
    // not JSON: fall through
  }
  return { status, code: undefined, message: body.trim().slice(0, 300) || `HTTP ${status}`, hint: undefined };
}

/** One line that says who refused what, why, the fix, and what happens to the data meanwhile. */
export function refusalLine(endpoint: string, deployment: string, r: Pick<Refusal, "status" | "code" | "message" | "hint">, pauseMs: number): string {
  const fix =
    r.hint ??
    (r.status === 401 ? "create a token with `edge-ml monitor token create <deployment>` and set it as EDGE_ML_MONITOR_TOKEN" : "check the token's deployment");
  const minutes = Math.max(1, Math.round(pauseMs / 60_000));
  return (
    `edge-ml telemetry: the monitor at ${endpoint} refused the batches of deployment "${deployment}" ` +
    `(${r.status}${r.code ? ` ${r.code}` : ""}): ${r.message}. Fix: ${fix}. ` +
    `Telemetry is paused (next try in ${minutes} min); what cannot be sent is dropped and counted.`
  );
}

const announced = new Set<string>();

/** True the first time `key` is seen in this isolate. */
export function announceOnce(key: string): boolean {
  if (announced.has(key)) return false;
  announced.add(key);
  return true;
}
