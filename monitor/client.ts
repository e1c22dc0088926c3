/**
 * Asking a running monitor about an ingest token: `GET /v1/whoami` names the token's deployment, so a tool given only
 * a token (`edge-ml dev --monitor <url>` with $EDGE_ML_MONITOR_TOKEN) needs no `--deployment`, and a token the monitor
 * refuses is caught before any telemetry is lost. Portable (fetch only).
 *
 * @example
 * ```ts
 * const who = await whoami("http://127.0.0.1:8788", token);
 * if (who.kind === "ok") console.log(who.deployment);
 * ```
 */

export type WhoamiResult =
  | { kind: "ok"; deployment: string; tokenId: string }
  /** The monitor refused the token (401): `message` and `hint` are the monitor's. */
  | { kind: "refused"; status: number; message: string; hint: string | undefined }
  /** No answer about the token: unreachable, or a monitor without `/v1/whoami` (404), or a bug (5xx). */
  | { kind: "unknown"; message: string };

export async function whoami(monitorUrl: string, token: string, fetchImpl: typeof fetch = fetch): Promise<WhoamiResult> {
  const url = `${monitorUrl.replace(/\/+$/, "")}/v1/whoami`;
  let res: Response;
  let text: string;
  try {
    res = await fetchImpl(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    text = await res.text();
  } catch (error) {
    return { kind: "unknown", message: `cannot reach the monitor at ${url}: ${(error as Error).message}` };
  }
  const body = parseJsonObject(text);
  if (res.ok && typeof body?.["deployment"] === "string") {
    const token = body["token"] as { id?: unknown } | undefined;
    return { kind: "ok", deployment: body["deployment"], tokenId: typeof token?.id === "string" ? token.id : "" };
  }
  const error = body?.["error"] as { message?: unknown; hint?: unknown } | undefined;
  const message = typeof error?.message === "string" ? error.message : text.trim().slice(0, 300) || `HTTP ${res.status}`;
  if (res.status === 401 || res.status === 403)
    return { kind: "refused", status: res.status, message, hint: typeof error?.hint === "string" ? error.hint : undefined };
  return { kind: "unknown", message: `the monitor answered ${res.status} to GET ${url}: ${message}` };
}

/** A monitor's answer as a JSON object, or undefined when it is not one (an HTML error page, a proxy's text). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
