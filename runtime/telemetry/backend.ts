/**
 * The backend a telemetry client reports in every batch (`backend: {device, engine?, reason?}`), fitted to the
 * protocol's bounds once, when the client is created: a loader's long `deviceReason` is cut, never a reason for the
 * monitor to refuse every batch of the page.
 *
 * @example
 * ```ts
 * fitBackend({ device: "wasm", reason: "WebGPU disagreed with WASM on the parity probe (...); using WASM" });
 * backendOfEngine("ort-wasm"); // { device: "wasm", engine: "ort-wasm" }
 * ```
 */
import { TELEMETRY_LIMITS as L, type TelemetryBackend } from "../../core/schema/telemetry-constants.ts";

/** A token the protocol accepts (lowercase letters, digits, `._-`, at most 32 characters), or undefined. */
function token(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, L.maxDevice);
  return t === "" ? undefined : t;
}

/** `backend` within the protocol's bounds; undefined when its device is empty. */
export function fitBackend(backend: TelemetryBackend | undefined): TelemetryBackend | undefined {
  const device = token(backend?.device);
  if (backend === undefined || device === undefined) return undefined;
  const engine = token(backend.engine);
  const reason = backend.reason === undefined || backend.reason === "" ? undefined : backend.reason.slice(0, L.maxReason);
  return { device, ...(engine === undefined ? {} : { engine }), ...(reason === undefined ? {} : { reason }) };
}

/**
 * The device behind an engine's name, for the server targets: "ort-wasm" → "wasm", "ort-node" → "native",
 * "tfjs-cpu" → "cpu", "compiled" → "js".
 */
export function backendOfEngine(engine: string): TelemetryBackend {
  const device = engine === "compiled" ? "js" : engine === "ort-node" ? "native" : engine.replace(/^(ort|tfjs)-/, "");
  return { device, engine };
}
