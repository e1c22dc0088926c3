/** The model's sha256 is checked again where it runs, before a session is created (web crypto, every target). */
import { EdgeMlError } from "../core/errors.ts";

export async function verifySha256(bytes: Uint8Array, expected: string, what: string): Promise<void> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  if (hex !== expected) {
    throw new EdgeMlError("ERR_INTEGRITY", `${what} failed its integrity check: sha256 ${hex} does not match the manifest's ${expected}`, {
      hint: "the bundle was altered after `edge-ml build`; rebuild and redeploy it",
    });
  }
}
