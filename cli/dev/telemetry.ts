/**
 * Where `edge-ml dev` sends telemetry, and as which deployment. Given `--monitor`, the token comes from
 * $EDGE_ML_MONITOR_TOKEN or `--token-file` and names its deployment (GET /v1/whoami): no `--deployment` needed, a
 * refused token stops `dev` at start-up instead of losing every batch, and a `--deployment` that disagrees with the
 * token is an error naming both. Without `--monitor`, a local monitor is started with a fresh token.
 *
 * @example
 * ```ts
 * const t = await devTelemetry({ root, model: "titanic", monitorUrl: args.monitor, token, deployment: args.deployment, monitorPort: 8788 });
 * // t?.monitorUrl, t?.token, t?.deployment; await t?.close() on exit
 * ```
 */
import { join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { whoami } from "../../monitor/client.ts";

export interface DevTelemetryOptions {
  root: string;
  /** The served model's name: the default deployment is `<name>-dev`. */
  model: string;
  /** `--monitor`: an existing monitor; undefined starts a local one. */
  monitorUrl?: string | undefined;
  /** The ingest token for `--monitor` (read by the caller from the env, a file or stdin: never argv). */
  token?: string | undefined;
  /** `--deployment`, if given. */
  deployment?: string | undefined;
  /** Port of the local monitor (0: any free one). */
  monitorPort: number;
  /** Told what `dev` could not check (e.g. an older monitor without /v1/whoami). */
  warn?: (message: string) => void;
}

export interface DevTelemetry {
  monitorUrl: string;
  token: string;
  deployment: string;
  /** True when `dev` started the monitor itself. */
  local: boolean;
  close(): Promise<void>;
}

export async function devTelemetry(opts: DevTelemetryOptions): Promise<DevTelemetry> {
  const fallback = opts.deployment ?? `${opts.model}-dev`;
  if (opts.monitorUrl === undefined) {
    const { startMonitor } = await import("../../monitor/server.ts");
    const { createToken } = await import("../../monitor/tokens.ts");
    const monitor = await startMonitor({ port: opts.monitorPort, host: "127.0.0.1", dbFile: join(opts.root, ".edge-ml", "monitor.db") });
    const { token } = await createToken(monitor.store, fallback);
    return { monitorUrl: monitor.url, token, deployment: fallback, local: true, close: () => monitor.close() };
  }
  if (!opts.token) {
    throw new EdgeMlError("ERR_USAGE", "--monitor needs the deployment's ingest token", {
      hint: `create one with \`npx edge-ml monitor token create ${fallback}\`, then set $EDGE_ML_MONITOR_TOKEN or pass --token-file <file>`,
    });
  }
  const base = { monitorUrl: opts.monitorUrl, token: opts.token, local: false, close: async () => {} };
  const who = await whoami(opts.monitorUrl, opts.token);
  if (who.kind === "refused") {
    throw new EdgeMlError("ERR_USAGE", `the monitor at ${opts.monitorUrl} refuses this ingest token (${who.status}): ${who.message}`, {
      hint: who.hint ?? `create a token with \`npx edge-ml monitor token create ${fallback}\``,
    });
  }
  if (who.kind === "unknown") {
    // Not fatal: the monitor may start later, and the edge reports a refusal itself (runtime/telemetry/refusal.ts).
    opts.warn?.(`cannot check the token's deployment (${who.message}); sending as "${fallback}"`);
    return { ...base, deployment: fallback };
  }
  if (opts.deployment !== undefined && opts.deployment !== who.deployment) {
    throw new EdgeMlError("ERR_USAGE", `--deployment ${opts.deployment} disagrees with the token, which is for deployment "${who.deployment}"`, {
      hint: `drop --deployment (the token names it), or use the token of "${opts.deployment}": npx edge-ml monitor token create ${opts.deployment}`,
    });
  }
  return { ...base, deployment: who.deployment };
}
