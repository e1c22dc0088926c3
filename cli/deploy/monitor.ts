/**
 * Register a deployment and its baseline with the edge-ml monitor: `POST ${endpoint}/v1/deployments` with the admin
 * token. A monitor without the endpoint (404: an older monitor) only earns a warning, and so does any failure: the
 * Worker is already live when this runs, and drift monitoring can be registered later.
 *
 * @example
 * ```ts
 * const r = await registerDeployment("https://monitor.example.com", { deployment: "titanic", model: "titanic", version: "1.0.0", baseline, target: "worker" }, token);
 * r.status; // "registered" | "unsupported" | "failed"
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { type DeploymentRegistrationInput, registrationFromManifest } from "../../monitor/registration.ts";

type DeploymentRegistration = DeploymentRegistrationInput;

/**
 * What `deploy` registers: the same baseline, task, slices and decision threshold `dev` registers
 * (registrationFromManifest), plus the deployment and its target; without a baseline, the deployment alone.
 */
export function deploymentRegistration(manifest: Manifest, deployment: string, target: DeploymentRegistration["target"]): DeploymentRegistration {
  const fromManifest = registrationFromManifest(manifest) ?? { model: manifest.name, version: manifest.version, baseline: null };
  return { deployment, ...(target ? { target } : {}), ...fromManifest };
}

export interface RegistrationResult {
  status: "registered" | "unsupported" | "failed";
  message: string;
}

export async function registerDeployment(
  endpoint: string,
  body: DeploymentRegistration,
  token: string | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<RegistrationResult> {
  const url = `${endpoint.replace(/\/+$/, "")}/v1/deployments`;
  try {
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.ok) return { status: "registered", message: `registered ${body.deployment} with the monitor (${url})` };
    if (res.status === 404)
      return {
        status: "unsupported",
        message: `the monitor at ${endpoint} has no ${"/v1/deployments"} endpoint yet (404); register the baseline after upgrading it`,
      };
    const detail = (await res.text()).slice(0, 300);
    const auth = res.status === 401 || res.status === 403 ? "; set EDGE_ML_MONITOR_ADMIN_TOKEN to the monitor's admin token" : "";
    return { status: "failed", message: `the monitor answered ${res.status} to POST ${url}${auth}${detail ? `: ${detail}` : ""}` };
  } catch (error) {
    return { status: "failed", message: `cannot reach the monitor at ${url}: ${(error as Error).message}` };
  }
}
