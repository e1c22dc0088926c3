/**
 * Ingest tokens, one or more per deployment. Only a SHA-256 of a token is stored; the plaintext is returned once by
 * `createToken`. Tokens carry 256 random bits, so an unsalted fast hash is enough: there is nothing to brute-force.
 *
 * @example
 * ```ts
 * const { token } = await createToken(store, "prod"); // show it once: it cannot be recovered
 * const record = await verifyToken(store, token);       // the TokenRecord, or undefined (unknown or revoked)
 * ```
 */
import { EdgeMlError, issuesFromZod } from "../core/errors.ts";
import { TelemetryName } from "../core/schema/telemetry.ts";
import type { MonitorStore, TokenRecord } from "./store/contract.ts";

export const TOKEN_PREFIX = "edgeml_";

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

export interface CreatedToken extends TokenRecord {
  /** The plaintext token: returned here once, never stored. */
  token: string;
}

export async function createToken(store: MonitorStore, deployment: string, now: number = Date.now()): Promise<CreatedToken> {
  const parsed = TelemetryName.safeParse(deployment);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_USAGE", `"${deployment}" is not a valid deployment name`, {
      issues: issuesFromZod(parsed.error.issues, ["deployment"]),
      hint: "use letters, digits and . _ : @ - (e.g. titanic-prod)",
    });
  }
  const token = `${TOKEN_PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const record: TokenRecord = {
    id: `tok_${toHex(crypto.getRandomValues(new Uint8Array(6)))}`,
    deployment,
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    createdAt: now,
    revokedAt: null,
  };
  await store.ensureDeployment(deployment, now);
  await store.insertToken({ ...record, hash: await sha256Hex(token) });
  return { ...record, token };
}

// token → its hash, for the tokens seen recently: WebCrypto's async digest costs more per ingest request than the
// lookup itself. Only the hash is cached, never the verdict, so a revoked token is refused on its next request.
const hashes = new Map<string, string>();
const MAX_CACHED = 1024;

/** The active token record for a plaintext token; undefined when unknown or revoked. */
export async function verifyToken(store: MonitorStore, token: string): Promise<TokenRecord | undefined> {
  const record = await lookupToken(store, token);
  return record === undefined || record.revokedAt !== null ? undefined : record;
}

/** The record of a plaintext token, revoked or not (to say *why* it is refused); undefined when unknown. */
export async function lookupToken(store: MonitorStore, token: string): Promise<TokenRecord | undefined> {
  if (token === "" || token.length > 256) return undefined;
  let hash = hashes.get(token);
  if (hash === undefined) {
    hash = await sha256Hex(token);
    if (hashes.size >= MAX_CACHED) hashes.clear();
    hashes.set(token, hash);
  }
  return store.tokenByHash(hash);
}

/** Compare two secrets in time independent of where they differ (hashing first equalizes the lengths). */
export async function secretEquals(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
