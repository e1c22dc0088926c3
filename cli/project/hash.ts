/** Hashing helpers for artifacts and data files (streamed, so large CSVs do not need to fit in memory). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
