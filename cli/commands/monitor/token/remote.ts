/**
 * Token commands against a running monitor (`--url`): its admin-only token API (monitor/routes/tokens.ts), the way to
 * manage the tokens of a monitor whose database this machine cannot open, a monitor Worker on D1 above all. The admin
 * token comes from $EDGE_ML_MONITOR_ADMIN_TOKEN or `--admin-token-file`, never argv. Every failure says which monitor
 * answered what, with the monitor's own hint when it gave one.
 *
 * @example
 * ```ts
 * const tokens = remoteTokens("https://monitor.example.workers.dev", adminToken);
 * const { token } = await tokens.create("titanic-prod");
 * ```
 */
import { EdgeMlError } from "../../../../core/errors.ts";
import { parseJsonObject } from "../../../../monitor/client.ts";
import type { TokenRecord } from "../../../../monitor/store/contract.ts";
import type { CreatedToken } from "../../../../monitor/tokens.ts";

export interface TokenBackend {
  create(deployment: string): Promise<CreatedToken>;
  list(): Promise<TokenRecord[]>;
  /** How many active tokens were revoked (0: none matched). */
  revoke(target: string): Promise<number>;
}

const ADMIN_HINT = "set $EDGE_ML_MONITOR_ADMIN_TOKEN (or --admin-token-file <file>) to the monitor's admin token";

export function remoteTokens(monitorUrl: string, adminToken: string | undefined, fetchImpl: typeof fetch = fetch): TokenBackend {
  const base = monitorUrl.replace(/\/+$/, "");
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> => {
    const url = `${base}${path}`;
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(url, {
        method,
        headers: { ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      text = await res.text();
    } catch (error) {
      const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new EdgeMlError("ERR_BAD_INPUT", `cannot reach the monitor at ${url} (${reason})`, {
        hint: "check --url (the monitor's address, e.g. https://edge-ml-monitor.<account>.workers.dev) and that it is running",
        cause: error,
      });
    }
    const json = parseJsonObject(text);
    if (res.ok) return { status: res.status, json };
    const error = json?.["error"] as { code?: unknown; message?: unknown; hint?: unknown } | undefined;
    const message = typeof error?.message === "string" ? error.message : text.trim().slice(0, 300) || `HTTP ${res.status}`;
    if (res.status === 404 && error?.code !== "NOT_FOUND") {
      // Not the token API's own 404 (no token matched): a server that has no token API.
      throw new EdgeMlError("ERR_BAD_INPUT", `${url} has no token API (${res.status}): ${message}`, {
        hint: "is --url an edge-ml monitor? On the monitor's machine, `--store`/`--db` reach its database directly",
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw new EdgeMlError("ERR_USAGE", `the monitor at ${base} refused the admin token (${res.status}): ${message}`, {
        hint: adminToken ? `check the admin token: ${ADMIN_HINT}` : ADMIN_HINT,
      });
    }
    return { status: res.status, json: { ...json, message, hint: error?.hint } };
  };
  const unexpected = (what: string, status: number, json: Record<string, unknown> | undefined): EdgeMlError =>
    new EdgeMlError("ERR_INTERNAL", `the monitor at ${base} answered ${status} to ${what}: ${String(json?.["message"] ?? JSON.stringify(json))}`, {
      ...(typeof json?.["hint"] === "string" ? { hint: json["hint"] } : {}),
    });

  return {
    async create(deployment) {
      const { status, json } = await call("POST", "/v1/tokens", { deployment });
      if (status === 400) {
        throw new EdgeMlError("ERR_USAGE", `"${deployment}" is not a deployment name the monitor accepts: ${String(json?.["message"])}`, {
          hint: "use letters, digits and . _ : @ - (e.g. titanic-prod)",
        });
      }
      if (status !== 201 || typeof json?.["token"] !== "string") throw unexpected("POST /v1/tokens", status, json);
      return { ...(json as unknown as Omit<CreatedToken, "revokedAt">), revokedAt: null };
    },
    async list() {
      const { status, json } = await call("GET", "/v1/tokens");
      if (status !== 200 || !Array.isArray(json?.["tokens"])) throw unexpected("GET /v1/tokens", status, json);
      return json["tokens"] as TokenRecord[];
    },
    async revoke(target) {
      const { status, json } = await call("DELETE", `/v1/tokens/${encodeURIComponent(target)}`);
      if (status === 404) return 0;
      if (status !== 200 || typeof json?.["revoked"] !== "number") throw unexpected(`DELETE /v1/tokens/${target}`, status, json);
      return json["revoked"];
    },
  };
}
